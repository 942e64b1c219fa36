CREATE TABLE "policy_assignments" (
	"id" text PRIMARY KEY NOT NULL,
	"definition_id" text NOT NULL,
	"scope" text NOT NULL,
	"effect" text NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_assignments_unique" UNIQUE("definition_id","scope")
);
--> statement-breakpoint
CREATE INDEX "policy_assignments_scope_idx" ON "policy_assignments" USING btree ("scope");
