import net from 'node:net';
import { answerClientError, EARLY_ANSWER_DRAIN_BYTES } from './client-errors';

/** A server whose every connection is handed to answerClientError with `code`, as Node's parser would. */
async function serverFailingWith(code: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.once('data', () => answerClientError(Object.assign(new Error(code), { code }), socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Sends `total` bytes in 64 KiB chunks; resolves with what came back and how much was sent before the server closed. */
function send(port: number, total: number): Promise<{ answer: string; sent: number; reset: boolean }> {
  return new Promise((resolve) => {
    // Half-open: the client goes on sending after the server's FIN, as a real uploader does.
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let answer = '';
    let sent = 0;
    let reset = false;
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => (reset = true));
    socket.on('close', () => resolve({ answer, sent, reset }));
    const chunk = Buffer.alloc(64 * 1024, 'h');
    const pump = () => {
      while (sent < total && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (!socket.destroyed) socket.end();
    };
    socket.on('connect', pump);
  });
}

describe("answers to requests Node's parser refuses", () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers-too-large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request-timeout'],
    ['HPE_INVALID_CONTENT_LENGTH', 400, 'malformed-request'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'body-too-large'],
  ])(
    '%s: %i problem+json, read by a client still sending, then the connection closes',
    async (code, status, problemCode) => {
      const server = await serverFailingWith(code);
      try {
        const { answer, reset } = await send(server.port, 2 * 1024 * 1024);
        expect(reset).toBe(false);
        const [head, body] = answer.split('\r\n\r\n');
        expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
        expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/);
        expect(head).toMatch(/\r\nconnection: close(\r\n|$)/);
        expect(Buffer.byteLength(body)).toBe(Number(/content-length: (\d+)/.exec(head)![1]));
        expect(JSON.parse(body)).toEqual({
          type: `/problems/${problemCode}`,
          title: expect.any(String),
          status,
          detail: expect.any(String),
          code: problemCode,
          requestId: /x-request-id: (\S+)/.exec(head)![1],
        });
      } finally {
        await server.close();
      }
    },
  );

  it('drops a client that keeps sending past the drain bound', async () => {
    const server = await serverFailingWith('HPE_HEADER_OVERFLOW');
    try {
      const { answer, sent } = await send(server.port, 256 * 1024 * 1024);
      expect(answer).toMatch(/^HTTP\/1.1 431 /);
      expect(sent).toBeGreaterThan(EARLY_ANSWER_DRAIN_BYTES);
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });
});
