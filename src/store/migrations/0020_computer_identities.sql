ALTER TABLE "hybrid_worker_groups" ADD COLUMN "computer_identity" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
CREATE TABLE "computer_identities" (
	"agent_id" text PRIMARY KEY NOT NULL REFERENCES "agents"("id") ON DELETE CASCADE,
	"principal_id" text NOT NULL,
	"client_id" text NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "computer_identities_principal_id_unique" UNIQUE("principal_id"),
	CONSTRAINT "computer_identities_client_id_unique" UNIQUE("client_id")
);
