ALTER TABLE "jobs" ADD COLUMN "corrections" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "corrected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "network" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "recheck" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "spot_check" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "needs_established" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "volunteer_sessions" ADD COLUMN "network" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_lease_network_idx" ON "tasks" USING btree ("network") WHERE "tasks"."state" = 'leased';