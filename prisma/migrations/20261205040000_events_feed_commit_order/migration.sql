-- Hand-written (Prisma cannot express expression indexes): the activity feed pages a user's own
-- events in commit order (transaction id, position), the engine's order (docs/decisions/0010).
DROP INDEX IF EXISTS "events_actor_position_idx";
CREATE INDEX "events_actor_commit_order_idx" ON "events" ((metadata->>'actor'), "transaction_id", "position");
