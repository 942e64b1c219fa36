CREATE TABLE "automation_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"automation_account_id" text NOT NULL REFERENCES "automation_accounts"("id") ON DELETE CASCADE,
	"runbook_id" text REFERENCES "runbooks"("id") ON DELETE SET NULL,
	"runbook_name" text NOT NULL,
	"runbook_type" text NOT NULL,
	"runbook_version" text NOT NULL,
	"content" text NOT NULL,
	"is_test" boolean DEFAULT false NOT NULL,
	"run_on" text NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_parameters" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_by" text NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"restarts" integer DEFAULT 0 NOT NULL,
	"stop_requested" boolean DEFAULT false NOT NULL,
	"claimed_by" text,
	"heartbeat_at" timestamp with time zone,
	"exit_code" integer,
	"exception" text,
	"stream_bytes" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "automation_jobs_account_idx" ON "automation_jobs" USING btree ("automation_account_id","created_at");
--> statement-breakpoint
CREATE INDEX "automation_jobs_runbook_idx" ON "automation_jobs" USING btree ("runbook_id");
--> statement-breakpoint
CREATE INDEX "automation_jobs_status_idx" ON "automation_jobs" USING btree ("status","run_on","created_at");
--> statement-breakpoint
CREATE TABLE "automation_job_streams" (
	"job_id" text NOT NULL REFERENCES "automation_jobs"("id") ON DELETE CASCADE,
	"seq" integer NOT NULL,
	"stream" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"text" text NOT NULL,
	CONSTRAINT "automation_job_streams_pk" PRIMARY KEY("job_id","seq")
);
