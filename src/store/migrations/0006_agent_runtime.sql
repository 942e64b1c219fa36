CREATE TABLE "health_states" (
	"monitor_id" text NOT NULL,
	"object_id" text NOT NULL,
	"runner_id" text NOT NULL,
	"state" text NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"checked_at" timestamp with time zone NOT NULL,
	CONSTRAINT "health_states_monitor_id_object_id_pk" PRIMARY KEY("monitor_id","object_id")
);
--> statement-breakpoint
CREATE TABLE "pool_leases" (
	"pool_id" text PRIMARY KEY NOT NULL,
	"server_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"task_id" text NOT NULL,
	"object_id" text NOT NULL,
	"runner_id" text NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"timeout_seconds" integer NOT NULL,
	"exit_code" integer,
	"timed_out" boolean DEFAULT false NOT NULL,
	"account_id" text,
	"account_version" integer,
	"stdout" text DEFAULT '' NOT NULL,
	"stderr" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workflow_results" DROP CONSTRAINT "workflow_results_agent_id_agents_id_fk";
--> statement-breakpoint
ALTER TABLE "objects" ADD COLUMN "discovery_id" text;--> statement-breakpoint
ALTER TABLE "objects" ADD COLUMN "discovery_source_id" text;--> statement-breakpoint
ALTER TABLE "pool_leases" ADD CONSTRAINT "pool_leases_pool_id_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "health_states_object_idx" ON "health_states" USING btree ("object_id");--> statement-breakpoint
CREATE INDEX "task_runs_runner_status_idx" ON "task_runs" USING btree ("runner_id","status");--> statement-breakpoint
CREATE INDEX "objects_discovery_idx" ON "objects" USING btree ("discovery_id","discovery_source_id");