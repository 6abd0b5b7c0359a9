-- AlterTable
ALTER TABLE "dead_letters" ADD COLUMN     "retry_requested_at" TIMESTAMPTZ(3);

-- Hand-written (Prisma cannot express expression indexes): the activity feed reads a user's own events by position.
CREATE INDEX "events_actor_position_idx" ON "events" ((metadata->>'actor'), "position");
