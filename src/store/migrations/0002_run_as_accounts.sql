CREATE TABLE "account_distribution" (
	"account_id" text NOT NULL,
	"target_id" text NOT NULL,
	CONSTRAINT "account_distribution_account_id_target_id_pk" PRIMARY KEY("account_id","target_id")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"type" text NOT NULL,
	"version" integer NOT NULL,
	"security" text NOT NULL,
	"public_fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "associations" (
	"id" text PRIMARY KEY NOT NULL,
	"profile_id" text NOT NULL,
	"account_id" text NOT NULL,
	"scope_kind" text NOT NULL,
	"scope_id" text,
	"enforced" boolean DEFAULT false NOT NULL,
	"ordinal" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_distribution" ADD CONSTRAINT "account_distribution_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "associations" ADD CONSTRAINT "associations_profile_id_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "associations" ADD CONSTRAINT "associations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "account_distribution_target_idx" ON "account_distribution" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "accounts_type_idx" ON "accounts" USING btree ("type");--> statement-breakpoint
CREATE INDEX "associations_profile_idx" ON "associations" USING btree ("profile_id");--> statement-breakpoint
CREATE INDEX "associations_account_idx" ON "associations" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "associations_unique_idx" ON "associations" USING btree ("profile_id","account_id","scope_kind","scope_id");