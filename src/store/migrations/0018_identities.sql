CREATE TABLE "steward_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL
);
--> statement-breakpoint
INSERT INTO "steward_settings" ("key", "value") VALUES ('tenant-id', to_jsonb(gen_random_uuid()::text)) ON CONFLICT DO NOTHING;
--> statement-breakpoint
ALTER TABLE "automation_accounts" ADD COLUMN "system_principal_id" text;
--> statement-breakpoint
ALTER TABLE "automation_accounts" ADD COLUMN "system_client_id" text;
--> statement-breakpoint
CREATE TABLE "user_assigned_identities" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"client_id" text NOT NULL,
	"principal_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_assigned_identities_name_unique" UNIQUE("name"),
	CONSTRAINT "user_assigned_identities_client_id_unique" UNIQUE("client_id"),
	CONSTRAINT "user_assigned_identities_principal_id_unique" UNIQUE("principal_id")
);
--> statement-breakpoint
CREATE TABLE "automation_account_identities" (
	"automation_account_id" text NOT NULL REFERENCES "automation_accounts"("id") ON DELETE CASCADE,
	"identity_id" text NOT NULL REFERENCES "user_assigned_identities"("id") ON DELETE CASCADE,
	"attached_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "automation_account_identities_pk" PRIMARY KEY("automation_account_id","identity_id")
);
--> statement-breakpoint
CREATE INDEX "automation_account_identities_identity_idx" ON "automation_account_identities" USING btree ("identity_id");
--> statement-breakpoint
CREATE TABLE "token_signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"alg" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"signs_from" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
