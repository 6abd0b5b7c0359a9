import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { AccessModule } from '@app/access';
import { EventsEngineModule, EventStore } from '@app/events';
import { TransactionRunner } from '@app/platform';
import { startTestContext, type TestContext } from '../../../../test/support/test-context';
import { waitFor } from '../../../../test/support/free-port';
import { TaskRepository } from '../ports/task.repository';
import { TasksModule } from '../tasks.module';
import { TasksWorkerModule } from '../tasks-worker.module';
import { Task, type TaskState } from '../domain/task';
import { toNewEvents } from '../application/commands/to-new-events';

// The engine with the tasks consumers and an LLM analyser whose (fake, OpenAI-compatible) server
// holds its answers until the test releases them: the model call must not hold the other
// consumers back (docs/decisions/0053). Released by the test, not after a fixed delay, so a slow
// machine cannot let the answer arrive before the projection it must not block.
const answer = JSON.stringify({
  summary: 'Fix the login crash.',
  subtasks: ['Reproduce', 'Fix', 'Test'],
  category: 'bug_fix',
});

let server: Server;
let inFlight = 0;
let answered = 0;
let t: TestContext;
const held: (() => void)[] = [];
const releaseAnswers = () => held.splice(0).forEach((release) => release());

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      inFlight++;
      held.push(() => {
        inFlight--;
        answered++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: answer } }] }));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  t = await startTestContext([AccessModule, TasksModule, TasksWorkerModule, EventsEngineModule], {
    LLM_BASE_URL: baseUrl,
    LLM_MODEL: 'fake-model',
    LLM_TIMEOUT_MS: '120000',
    LLM_RETRIES: '0',
    EVENTS_POLL_INTERVAL_MS: '10000', // wake-ups only: no poll would hide a stall
  });
}, 60_000);
afterAll(async () => {
  releaseAnswers();
  await t?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

const owner = randomUUID();
/** A task made as POST /tasks makes it: the row and its task.created event, in one transaction. */
async function createTask(title: string): Promise<TaskState> {
  const { task, events } = Task.create({ id: randomUUID(), ownerId: owner, now: new Date(), title });
  const state = task.snapshot();
  await t.app.get(TransactionRunner).run(async () => {
    await t.app.get(TaskRepository).insert(state);
    await t.app.get(EventStore).append(toNewEvents(state.id, events));
  });
  return state;
}
const readRow = async (id: string) =>
  (
    await t.app
      .get(pg.Pool)
      .query<{ summary: string | null; category: string | null; enrichment_source: string | null }>(
        `SELECT summary, category, enrichment_source FROM tasks_read WHERE id = $1`,
        [id],
      )
  ).rows[0];

describe('TaskEnrichmentSubscriber with a slow LLM (real database, engine running)', () => {
  it('calls the model outside the engine transaction: tasks_read projects a new task while an enrichment waits for the model', async () => {
    const first = await createTask('Fix login crash');
    await waitFor(async () => (inFlight > 0 ? true : undefined), 30_000, 'the enrichment to call the model');
    const second = await createTask('Write the release notes');
    await waitFor(
      async () => ((await readRow(second.id)) ? true : undefined),
      30_000,
      'tasks_read to project the second task',
    );
    // Projected while the first model call was still open (held): the projection did not wait for it.
    expect(answered).toBe(0);
    expect(inFlight).toBeGreaterThan(0);
    releaseAnswers();

    const enriched = await waitFor(
      async () => {
        const row = await readRow(first.id);
        return row?.enrichment_source ? row : undefined;
      },
      30_000,
      'the enrichment from the model',
    );
    expect(enriched).toEqual({ summary: 'Fix the login crash.', category: 'bug_fix', enrichment_source: 'llm' });
    const { rows } = await t.app
      .get(pg.Pool)
      .query(`SELECT 1 FROM events WHERE type = 'task.enriched' AND payload->>'taskId' = $1`, [first.id]);
    expect(rows).toHaveLength(1);
  }, 120_000);
});
