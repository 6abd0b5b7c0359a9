import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultStack, type AppProcess } from '../support/app-process';
import { waitFor } from '../support/free-port';
import { createTasks, newUser } from '../support/http-client';
import { privateServices } from '../support/private-services';
import { seededRandom } from '../support/seeded-random';

// SIGTERM while clients keep their connections alive and busy: every request sent before the
// listener closes is answered (no reset, no 503 from the closing server; the kernel's own reset
// of a connection still in its accept queue at the close is counted apart), the answers given
// during the drain carry `Connection: close`, idle keep-alive sockets are closed by the server
// (a FIN, not a reset), and the process exits 0.

const missing = privateServices.missing('postgres');
const DRAIN_DELAY_MS = 3_000;
const CLIENTS = 6;
const IDLE_SOCKETS = 3;
/** How long before the close a new connection's reset is put down to the kernel's accept queue. */
const ACCEPT_QUEUE_WINDOW_MS = 100;

interface Sent {
  sentAt: number;
  /** How long until the answer (or the failure). */
  ms?: number;
  /** Whether the request went out on a connection an earlier request had used. */
  reused?: boolean;
  path: string;
  status?: number;
  connection?: string;
  error?: string;
}

/** One request over a keep-alive agent; never throws. */
function request(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Sent> {
  const sent: Sent = { sentAt: Date.now(), path };
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const failed = (err: NodeJS.ErrnoException) =>
      resolve({ ...sent, ms: Date.now() - sent.sentAt, reused: req.reusedSocket, error: err.code ?? err.message });
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            ...sent,
            ms: Date.now() - sent.sentAt,
            reused: req.reusedSocket,
            status: res.statusCode,
            connection: res.headers.connection,
          }),
        );
        res.on('error', failed);
      },
    );
    req.on('error', failed);
    req.end(payload);
  });
}

/** A raw keep-alive socket that sends one request, reads its answer, then stays idle: how did it end ('fin' or the error's code)? */
function idleSocket(port: number): Promise<{ answered: Promise<void>; ended: Promise<string> }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    });
    let data = '';
    let answered!: () => void;
    const answeredP = new Promise<void>((r) => (answered = r));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n\r\n') && data.includes('"status":"ok"')) answered();
    });
    const ended = new Promise<string>((r) => {
      socket.on('end', () => r('fin'));
      socket.on('error', (err) => r((err as NodeJS.ErrnoException).code ?? err.message));
    });
    resolve({ answered: answeredP, ended });
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

(missing.length ? describe.skip : describe)('SIGTERM under keep-alive load', () => {
  let stack: FaultStack;
  let api: AppProcess;
  beforeAll(async () => {
    stack = await FaultStack.start();
    api = await stack.api({ SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS), SHUTDOWN_GRACE_MS: '30000' });
  }, 300_000);
  afterAll(() => stack?.destroy());

  it('answers everything sent before the listener closes, with Connection: close during the drain, closes idle sockets cleanly, exits 0', async () => {
    const rnd = seededRandom('sigterm drain');
    const user = await newUser(api.baseUrl, 'drain');
    const [taskId] = await createTasks(api.baseUrl, user.token, ['drain']);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const results: Sent[] = [];
    let listenerClosedAt = Infinity;
    let readyTurnedAt = Infinity;

    const client = async () => {
      for (;;) {
        const choice = rnd.int(0, 2);
        const result =
          choice === 0
            ? await request(agent, api.port, 'GET', `/api/v1/tasks/${taskId}`, user.token)
            : choice === 1
              ? await request(agent, api.port, 'GET', '/api/v1/tasks?limit=5', user.token)
              : await request(agent, api.port, 'POST', '/api/v1/tasks', user.token, { title: 'during drain' });
        results.push(result);
        // Once the listener is closed (and this client's connection with it) there is nothing left to send to.
        if (result.error && Date.now() >= listenerClosedAt) return;
        if (result.error === 'ECONNREFUSED') return;
      }
    };

    const idle = await Promise.all(Array.from({ length: IDLE_SOCKETS }, () => idleSocket(api.port)));
    await Promise.all(idle.map((s) => s.answered));
    const load = Promise.all(Array.from({ length: CLIENTS }, client));
    await sleep(1_000);

    const exit = api.terminate('SIGTERM');
    await waitFor(
      async () => ((await fetch(`${api.baseUrl}/ready`)).status === 503 ? (readyTurnedAt = Date.now()) : undefined),
      30_000,
      '/ready to turn 503',
    );
    await waitFor(
      async () => ((await connects(api.port)) ? undefined : (listenerClosedAt = Date.now())),
      60_000,
      'the listener to close',
    );
    const code = await exit;
    await load;
    agent.destroy();
    const idleEnds = await Promise.all(idle.map((s) => s.ended));

    // A refused connection proves the listener was closed: the earliest refusal any client saw is the bound.
    listenerClosedAt = Math.min(
      listenerClosedAt,
      ...results.filter((r) => r.error === 'ECONNREFUSED').map((r) => r.sentAt),
    );
    const beforeClose = results.filter((r) => r.sentAt < listenerClosedAt);
    // The one loss no server code can prevent: a connection the kernel completed but the process
    // had not accepted yet when the listening socket closed is reset by the kernel. It shows as a
    // reset of a new connection opened in the last moments before the close; counted and bounded
    // (one per client at most), everything else must be answered.
    const inAcceptQueue = (r: Sent) =>
      r.error === 'ECONNRESET' && !r.reused && listenerClosedAt - r.sentAt <= ACCEPT_QUEUE_WINDOW_MS;
    const failed = beforeClose.filter((r) => (r.error || (r.status ?? 0) >= 500) && !inAcceptQueue(r));
    const resetInQueue = beforeClose.filter(inAcceptQueue);
    const duringDrain = results.filter((r) => r.sentAt > readyTurnedAt && r.status !== undefined);
    process.stdout.write(
      `sigterm drain: ${results.length} requests, ${beforeClose.length} sent before the listener closed, ${duringDrain.length} answered during the drain, ${failed.length} failed, ${resetInQueue.length} reset in the kernel's accept queue at the close; idle sockets: ${idleEnds.join(', ')}\n`,
    );
    expect(code).toBe(0);
    expect(
      failed.map(
        (r) =>
          `${r.path} sent ${r.sentAt - readyTurnedAt} ms after /ready 503 (listener closed at ${listenerClosedAt - readyTurnedAt} ms) on a ${r.reused ? 'reused' : 'new'} connection: ${r.error ?? r.status} after ${r.ms} ms`,
      ),
    ).toEqual([]);
    expect(resetInQueue.length).toBeLessThanOrEqual(CLIENTS);
    expect(duringDrain.length).toBeGreaterThan(0);
    expect(
      duringDrain.filter((r) => r.connection !== 'close').map((r) => `${r.path}: Connection ${r.connection}`),
    ).toEqual([]);
    expect(idleEnds).toEqual(Array(IDLE_SOCKETS).fill('fin'));
    expect(api.output()).toContain('"msg":"stopped"');
  }, 300_000);
});
