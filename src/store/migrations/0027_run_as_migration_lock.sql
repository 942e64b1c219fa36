ALTER TABLE "run_as_accounts" ADD COLUMN "migration_started_at" timestamp with time zone;
