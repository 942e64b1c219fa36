CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"severity" text NOT NULL,
	"priority" text NOT NULL,
	"resolution_state" integer DEFAULT 0 NOT NULL,
	"source_object_id" text,
	"source_kind" text NOT NULL,
	"workflow_id" text,
	"category" text,
	"owner" text,
	"ticket_id" text,
	"custom" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"repeat_count" integer DEFAULT 0 NOT NULL,
	"dedupe_key" text,
	"time_raised" timestamp with time zone DEFAULT now() NOT NULL,
	"time_resolved" timestamp with time zone,
	"last_modified" timestamp with time zone DEFAULT now() NOT NULL,
	"last_modified_by" text NOT NULL,
	"resolved_by" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open_dedupe_key_idx" ON "alerts" USING btree ("dedupe_key") WHERE "alerts"."resolution_state" <> 255 AND "alerts"."dedupe_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "alerts_state_raised_idx" ON "alerts" USING btree ("resolution_state","time_raised","id");--> statement-breakpoint
CREATE INDEX "alerts_source_object_idx" ON "alerts" USING btree ("source_object_id");--> statement-breakpoint
CREATE INDEX "alerts_raised_idx" ON "alerts" USING btree ("time_raised","id");