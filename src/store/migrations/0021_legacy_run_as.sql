CREATE TABLE "applications" (
	"app_id" text PRIMARY KEY NOT NULL,
	"object_id" text NOT NULL,
	"display_name" text NOT NULL,
	"automation_account_id" text REFERENCES "automation_accounts"("id") ON DELETE CASCADE,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "applications_object_id_unique" UNIQUE("object_id")
);
--> statement-breakpoint
CREATE INDEX "applications_automation_account_idx" ON "applications" USING btree ("automation_account_id");
--> statement-breakpoint
CREATE TABLE "service_principals" (
	"id" text PRIMARY KEY NOT NULL,
	"app_id" text NOT NULL REFERENCES "applications"("app_id") ON DELETE CASCADE,
	"display_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_principals_app_id_unique" UNIQUE("app_id")
);
--> statement-breakpoint
CREATE TABLE "application_certificates" (
	"app_id" text NOT NULL REFERENCES "applications"("app_id") ON DELETE CASCADE,
	"thumbprint" text NOT NULL,
	"thumbprint_sha256" text NOT NULL,
	"certificate_pem" text NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "application_certificates_pk" PRIMARY KEY("app_id","thumbprint")
);
--> statement-breakpoint
CREATE INDEX "application_certificates_sha256_idx" ON "application_certificates" USING btree ("thumbprint_sha256");
--> statement-breakpoint
CREATE TABLE "run_as_accounts" (
	"automation_account_id" text PRIMARY KEY NOT NULL REFERENCES "automation_accounts"("id") ON DELETE CASCADE,
	"app_id" text NOT NULL,
	"service_principal_id" text NOT NULL,
	"certificate_source" text NOT NULL,
	"validity_months" integer,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"renewed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "run_as_accounts_app_idx" ON "run_as_accounts" USING btree ("app_id");
