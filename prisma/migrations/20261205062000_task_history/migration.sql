-- CreateTable
CREATE TABLE "task_history" (
    "task_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "event_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT,
    "changes" JSONB NOT NULL,

    CONSTRAINT "task_history_pkey" PRIMARY KEY ("task_id","seq")
);

-- CreateTable
CREATE TABLE "task_history_heads" (
    "task_id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "enriched_version" INTEGER,
    "deleted" BOOLEAN NOT NULL,
    "fields" JSONB NOT NULL,

    CONSTRAINT "task_history_heads_pkey" PRIMARY KEY ("task_id")
);
