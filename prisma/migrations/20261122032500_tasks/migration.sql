-- CreateTable
CREATE TABLE "tasks" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "priority" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "due_date" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tasks_read" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "priority" TEXT NOT NULL,
    "priority_rank" SMALLINT NOT NULL,
    "status" TEXT NOT NULL,
    "due_date" TIMESTAMPTZ(3),
    "due_sort" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "summary" TEXT,
    "subtasks" JSONB NOT NULL DEFAULT '[]',
    "category" TEXT,
    "enrichment_source" TEXT,
    "enrichment_model" TEXT,
    "enrichment_prompt_version" TEXT,
    "enriched_version" INTEGER,
    "enriched_at" TIMESTAMPTZ(3),

    CONSTRAINT "tasks_read_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "tasks_owner_id_idx" ON "tasks"("owner_id");

-- CreateIndex
CREATE INDEX "tasks_read_owner_id_created_at_id_idx" ON "tasks_read"("owner_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "tasks_read_owner_id_due_sort_id_idx" ON "tasks_read"("owner_id", "due_sort", "id");

-- CreateIndex
CREATE INDEX "tasks_read_owner_id_priority_rank_id_idx" ON "tasks_read"("owner_id", "priority_rank", "id");

-- Added by hand (Prisma cannot express an expression index): full-text search over title and
-- description with the built-in 'simple' configuration (works on PostgreSQL and PGlite alike).
CREATE INDEX "tasks_read_search_idx" ON "tasks_read" USING GIN (to_tsvector('simple'::regconfig, "title" || ' ' || "description"));
