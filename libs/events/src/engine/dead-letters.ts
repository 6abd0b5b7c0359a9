import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { TransactionRunner, Tx } from '@app/platform';
import type { ConsumerSpec } from './consumer-spec.js';
import { handleInContext, prepareInContext } from './event-context.js';
import { describeError, type Failing } from './event-failures.js';
import { eventColumns, type EventRow, type LogEvent, toLogEvent } from './event-log.js';
import { claimInbox } from './event-inbox.js';

type WarnAndError = Pick<Logger, 'warn' | 'error'>;

/** Moves `event` to the consumer's dead letters with its failed attempts (docs/decisions/0011). */
export async function recordDeadLetter(
  tx: Tx,
  consumer: string,
  event: LogEvent,
  failing: Failing,
  logger: WarnAndError,
): Promise<void> {
  await tx.execute(
    `INSERT INTO dead_letters (id, consumer, event_id, event_position, event_type, error, attempts, first_failed_at, last_failed_at)
     VALUES ($1::uuid, $2, $3::uuid, $4::bigint, $5, $6, $7, $8, now())
     ON CONFLICT (consumer, event_id) DO UPDATE SET error = EXCLUDED.error, attempts = dead_letters.attempts + EXCLUDED.attempts, last_failed_at = now()`,
    randomUUID(),
    consumer,
    event.id,
    event.position.toString(),
    event.type,
    failing.error,
    failing.attempts,
    failing.firstFailedAt,
  );
  logger.error({ consumer, eventId: event.id, attempts: failing.attempts }, 'event moved to dead letters');
}

/**
 * Handles one dead letter an admin asked to retry (prepared outside the transaction, as in a
 * step). Success removes it; failure records the attempt and clears the request. False when
 * none was asked for or the retry failed.
 */
export async function retryDeadLetter(
  transactions: TransactionRunner,
  spec: ConsumerSpec,
  logger: WarnAndError,
): Promise<boolean> {
  const rows = await transactions.client.query<(EventRow & { dead_letter_id: string })[]>(
    `SELECT d.id AS dead_letter_id, ${eventColumns('e')} FROM dead_letters d JOIN events e ON e.id = d.event_id
      WHERE d.consumer = $1 AND d.retry_requested_at IS NOT NULL
      ORDER BY d.event_position LIMIT 1`,
    spec.name,
  );
  if (!rows[0]) return false;
  const letter = rows[0].dead_letter_id;
  const event = toLogEvent(rows[0]);
  try {
    const prepared = spec.prepare ? await prepareInContext(spec, event) : undefined;
    return await transactions.run(async (tx) => {
      const still = await tx.query<unknown[]>(
        `SELECT 1 FROM dead_letters WHERE id = $1::uuid AND retry_requested_at IS NOT NULL FOR UPDATE SKIP LOCKED`,
        letter,
      );
      if (!still.length) return false;
      if (spec.kind !== 'subscriber' || (await claimInbox(tx, spec.name, [event.id])).size)
        await handleInContext(spec, event, prepared);
      await tx.execute(`DELETE FROM dead_letters WHERE id = $1::uuid`, letter);
      return true;
    });
  } catch (err) {
    await transactions.run((tx) =>
      tx.execute(
        `UPDATE dead_letters SET attempts = attempts + 1, error = $2, last_failed_at = now(), retry_requested_at = NULL WHERE id = $1::uuid`,
        letter,
        describeError(err),
      ),
    );
    logger.warn(
      { consumer: spec.name, deadLetter: letter, err: { message: (err as Error).message } },
      'dead letter retry failed',
    );
    return false;
  }
}
