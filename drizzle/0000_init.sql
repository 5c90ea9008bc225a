CREATE TABLE "models" (
	"id" text PRIMARY KEY NOT NULL,
	"task_types" jsonb NOT NULL,
	"files" jsonb NOT NULL,
	"embedding" jsonb,
	"cost" real DEFAULT 1 NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accepted_results" (
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"task_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accepted_results_job_id_seq_pk" PRIMARY KEY("job_id","seq")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_type" text NOT NULL,
	"model_id" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"priority" integer DEFAULT 1 NOT NULL,
	"replication" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"total_inputs" integer NOT NULL,
	"total_tasks" integer NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "results" (
	"task_id" bigint PRIMARY KEY NOT NULL,
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"volunteer_id" text NOT NULL,
	"output" jsonb NOT NULL,
	"backend" text NOT NULL,
	"backend_class" text NOT NULL,
	"duration_ms" real NOT NULL,
	"verdict" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tasks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"replica" integer DEFAULT 0 NOT NULL,
	"first_input" integer NOT NULL,
	"inputs" jsonb NOT NULL,
	"task_type" text NOT NULL,
	"model_id" text NOT NULL,
	"priority" integer NOT NULL,
	"state" text DEFAULT 'queued' NOT NULL,
	"backend_class" text,
	"solo" boolean DEFAULT false NOT NULL,
	"lease_token" uuid,
	"lease_session" text,
	"lease_volunteer" text,
	"lease_expires_at" timestamp with time zone,
	"leased_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"checkpoint" jsonb,
	"checkpoint_by" jsonb
);
--> statement-breakpoint
CREATE TABLE "credit_ledger" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "credit_ledger_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"volunteer_id" text NOT NULL,
	"job_id" uuid NOT NULL,
	"task_id" bigint NOT NULL,
	"amount" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_ledger_task_id_unique" UNIQUE("task_id")
);
--> statement-breakpoint
CREATE TABLE "hub_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "volunteer_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"volunteer_id" text NOT NULL,
	"hub_id" text NOT NULL,
	"capabilities" jsonb NOT NULL,
	"mode" text NOT NULL,
	"readiness" jsonb NOT NULL,
	"throughput" real,
	"tasks_done" integer DEFAULT 0 NOT NULL,
	"ready_for_ai" boolean DEFAULT false NOT NULL,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "volunteers" (
	"id" text PRIMARY KEY NOT NULL,
	"display_name" text,
	"team_id" uuid,
	"tasks_done" integer DEFAULT 0 NOT NULL,
	"inputs_done" integer DEFAULT 0 NOT NULL,
	"valid_results" integer DEFAULT 0 NOT NULL,
	"invalid_results" integer DEFAULT 0 NOT NULL,
	"consecutive_valid" integer DEFAULT 0 NOT NULL,
	"credit" double precision DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "socket_io_attachments" (
	"id" bigserial NOT NULL,
	"created_at" timestamp with time zone DEFAULT now(),
	"payload" "bytea",
	CONSTRAINT "socket_io_attachments_id_unique" UNIQUE("id")
);
--> statement-breakpoint
ALTER TABLE "accepted_results" ADD CONSTRAINT "accepted_results_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accepted_results" ADD CONSTRAINT "accepted_results_task_id_results_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."results"("task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_volunteer_id_volunteers_id_fk" FOREIGN KEY ("volunteer_id") REFERENCES "public"."volunteers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_sessions" ADD CONSTRAINT "volunteer_sessions_volunteer_id_volunteers_id_fk" FOREIGN KEY ("volunteer_id") REFERENCES "public"."volunteers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteers" ADD CONSTRAINT "volunteers_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "results_chunk_idx" ON "results" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "results_created_idx" ON "results" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "tasks_claimable_idx" ON "tasks" USING btree ("priority" DESC NULLS FIRST,"seq","id") WHERE "tasks"."state" = 'queued';--> statement-breakpoint
CREATE INDEX "tasks_job_idx" ON "tasks" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "tasks_open_idx" ON "tasks" USING btree ("job_id") WHERE "tasks"."state" in ('queued', 'leased');--> statement-breakpoint
CREATE INDEX "tasks_leased_idx" ON "tasks" USING btree ("lease_expires_at") WHERE "tasks"."state" = 'leased';--> statement-breakpoint
CREATE INDEX "tasks_lease_session_idx" ON "tasks" USING btree ("lease_session") WHERE "tasks"."state" = 'leased';--> statement-breakpoint
CREATE INDEX "credit_ledger_volunteer_idx" ON "credit_ledger" USING btree ("volunteer_id","created_at");--> statement-breakpoint
CREATE INDEX "credit_ledger_time_idx" ON "credit_ledger" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_name_idx" ON "teams" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "volunteer_sessions_volunteer_idx" ON "volunteer_sessions" USING btree ("volunteer_id");