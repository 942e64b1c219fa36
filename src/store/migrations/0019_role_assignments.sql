CREATE TABLE "role_assignments" (
	"id" text PRIMARY KEY NOT NULL,
	"principal_id" text NOT NULL,
	"principal_type" text NOT NULL,
	"identity_id" text NOT NULL,
	"role" text NOT NULL,
	"scope" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_assignments_unique" UNIQUE("principal_id","role","scope")
);
--> statement-breakpoint
CREATE INDEX "role_assignments_identity_idx" ON "role_assignments" USING btree ("identity_id");
--> statement-breakpoint
CREATE INDEX "role_assignments_scope_idx" ON "role_assignments" USING btree ("scope");
