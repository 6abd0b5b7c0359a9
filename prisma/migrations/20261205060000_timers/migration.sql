-- CreateEnum
CREATE TYPE "timer_state" AS ENUM ('pending', 'fired', 'dropped');

-- CreateTable
CREATE TABLE "timers" (
    "key" TEXT NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "event_type" TEXT NOT NULL,
    "aggregate_type" TEXT NOT NULL,
    "aggregate_id" UUID NOT NULL,
    "payload" JSONB NOT NULL,
    "metadata" JSONB NOT NULL,
    "state" "timer_state" NOT NULL DEFAULT 'pending',
    "fired_at" TIMESTAMPTZ(3),
    "late" BOOLEAN NOT NULL DEFAULT false,
    "event_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "timers_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "timers_state_due_at_idx" ON "timers"("state", "due_at");
