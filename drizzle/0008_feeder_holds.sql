-- A queued replica held in one hub process's feeder (scheduler/feeder.ts): other processes' claims walk past it until held_until.
ALTER TABLE "tasks" ADD COLUMN "held_by" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "held_until" timestamp with time zone;