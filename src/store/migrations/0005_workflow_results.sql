CREATE TABLE "workflow_results" (
	"agent_id" text NOT NULL,
	"workflow_id" text NOT NULL,
	"object_id" text NOT NULL,
	"outcome" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"exit_code" integer,
	"timed_out" boolean NOT NULL,
	"account_id" text,
	"account_version" integer,
	"stdout" text NOT NULL,
	"stderr" text NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"not_run_since" timestamp with time zone,
	CONSTRAINT "workflow_results_agent_id_workflow_id_object_id_pk" PRIMARY KEY("agent_id","workflow_id","object_id")
);
--> statement-breakpoint
ALTER TABLE "workflow_results" ADD CONSTRAINT "workflow_results_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_results_object_idx" ON "workflow_results" USING btree ("object_id");--> statement-breakpoint
CREATE INDEX "workflow_results_workflow_idx" ON "workflow_results" USING btree ("workflow_id");