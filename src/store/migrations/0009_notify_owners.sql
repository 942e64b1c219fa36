ALTER TABLE "notification_subscribers" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "notification_subscriptions" ADD COLUMN "created_by" text;