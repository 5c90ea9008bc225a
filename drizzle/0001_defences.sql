CREATE TABLE "rate_windows" (
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_windows_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "checkpoint_parts" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "failed_by" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "progress" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "progress_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "tasks_lease_volunteer_idx" ON "tasks" USING btree ("lease_volunteer") WHERE "tasks"."state" = 'leased';