CREATE TABLE "hybrid_worker_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL UNIQUE,
	"description" text NOT NULL,
	"run_as_account_id" text REFERENCES "accounts"("id"),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "hybrid_worker_groups_run_as_idx" ON "hybrid_worker_groups" USING btree ("run_as_account_id");
--> statement-breakpoint
CREATE TABLE "hybrid_worker_group_agents" (
	"group_id" text NOT NULL REFERENCES "hybrid_worker_groups"("id") ON DELETE CASCADE,
	"agent_id" text NOT NULL REFERENCES "agents"("id") ON DELETE CASCADE,
	"added_by" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "hybrid_worker_group_agents_pk" PRIMARY KEY("group_id","agent_id")
);
--> statement-breakpoint
CREATE INDEX "hybrid_worker_group_agents_agent_idx" ON "hybrid_worker_group_agents" USING btree ("agent_id");
--> statement-breakpoint
CREATE INDEX "automation_jobs_claimed_by_idx" ON "automation_jobs" USING btree ("claimed_by","status");
