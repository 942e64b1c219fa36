CREATE TABLE "automation_schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"automation_account_id" text NOT NULL REFERENCES "automation_accounts"("id") ON DELETE CASCADE,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"frequency" text NOT NULL,
	"interval" integer DEFAULT 1 NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"expiry_time" timestamp with time zone,
	"time_zone" text NOT NULL,
	"week_days" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"month_days" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"monthly_occurrences" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cron" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"next_run_at" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "automation_schedules_account_name_idx" ON "automation_schedules" USING btree ("automation_account_id","name");
--> statement-breakpoint
CREATE INDEX "automation_schedules_due_idx" ON "automation_schedules" USING btree ("next_run_at") WHERE "enabled";
--> statement-breakpoint
CREATE TABLE "automation_schedule_links" (
	"schedule_id" text NOT NULL REFERENCES "automation_schedules"("id") ON DELETE CASCADE,
	"runbook_id" text NOT NULL REFERENCES "runbooks"("id") ON DELETE CASCADE,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"run_on" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "automation_schedule_links_pk" PRIMARY KEY("schedule_id","runbook_id")
);
--> statement-breakpoint
CREATE INDEX "automation_schedule_links_runbook_idx" ON "automation_schedule_links" USING btree ("runbook_id");
--> statement-breakpoint
CREATE TABLE "automation_webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"automation_account_id" text NOT NULL REFERENCES "automation_accounts"("id") ON DELETE CASCADE,
	"runbook_id" text NOT NULL REFERENCES "runbooks"("id") ON DELETE CASCADE,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"token_hash" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"run_on" text NOT NULL,
	"created_by" text NOT NULL,
	"last_invoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "automation_webhooks_account_name_idx" ON "automation_webhooks" USING btree ("automation_account_id","name");
--> statement-breakpoint
CREATE UNIQUE INDEX "automation_webhooks_token_hash_idx" ON "automation_webhooks" USING btree ("token_hash");
--> statement-breakpoint
CREATE INDEX "automation_webhooks_runbook_idx" ON "automation_webhooks" USING btree ("runbook_id");
