CREATE TABLE "batch_lines" (
	"batch_id" text NOT NULL,
	"line" integer NOT NULL,
	"custom_id" text NOT NULL,
	"body" jsonb NOT NULL,
	"prompt_tokens" integer NOT NULL,
	"job_id" uuid,
	"refusal" jsonb,
	CONSTRAINT "batch_lines_batch_id_line_pk" PRIMARY KEY("batch_id","line"),
	CONSTRAINT "batch_lines_line_check" CHECK ("batch_lines"."line" >= 1)
);
--> statement-breakpoint
CREATE TABLE "batches" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_key_id" uuid,
	"endpoint" text NOT NULL,
	"input_file_id" text NOT NULL,
	"metadata" jsonb,
	"status" text DEFAULT 'validating' NOT NULL,
	"output_file_id" text,
	"error_file_id" text,
	"error" text,
	"completed_count" integer DEFAULT 0 NOT NULL,
	"failed_count" integer DEFAULT 0 NOT NULL,
	"idempotency_principal" text,
	"idempotency_key" text,
	"body_sha256" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"in_progress_at" timestamp with time zone,
	"cancelling_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "files" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_key_id" uuid,
	"filename" text NOT NULL,
	"purpose" text NOT NULL,
	"bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "batch_lines" ADD CONSTRAINT "batch_lines_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batch_lines" ADD CONSTRAINT "batch_lines_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_owner_key_id_api_keys_id_fk" FOREIGN KEY ("owner_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_owner_key_id_api_keys_id_fk" FOREIGN KEY ("owner_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batch_lines_job_idx" ON "batch_lines" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "batches_owner_id_idx" ON "batches" USING btree ("owner_key_id","id");--> statement-breakpoint
CREATE INDEX "batches_idempotency_idx" ON "batches" USING btree ("idempotency_principal","idempotency_key");--> statement-breakpoint
CREATE INDEX "batches_open_idx" ON "batches" USING btree ("status") WHERE "batches"."status" in ('validating', 'in_progress', 'cancelling');--> statement-breakpoint
CREATE INDEX "files_owner_created_idx" ON "files" USING btree ("owner_key_id","created_at");