ALTER TABLE "tasks" ADD COLUMN "checkpoint_parts" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "failed_by" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "progress" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "progress_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "tasks_lease_volunteer_idx" ON "tasks" USING btree ("lease_volunteer") WHERE "tasks"."state" = 'leased';