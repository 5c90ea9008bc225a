import { check, jsonb, pgTable, real, text, timestamp } from 'drizzle-orm/pg-core';
import type { EmbeddingConfig, ModelFile, TaskType } from '../../../protocol/models';
import { jsonArrayOf, MODEL_SOURCES, oneOf, TASK_TYPES } from './states';

/** A model the hub can hand to volunteers. Its files live in the content-addressed blob store. */
export const models = pgTable(
	'models',
	{
		id: text('id').primaryKey(),
		taskTypes: jsonb('task_types').$type<TaskType[]>().notNull(),
		files: jsonb('files').$type<ModelFile[]>().notNull(),
		embedding: jsonb('embedding').$type<EmbeddingConfig>(),
		/** Credit per input computed with this model: relative work (≈ the model's size in MB, at least 1). */
		cost: real('cost').notNull().default(1),
		/** `demo` for generated models, `import` for folders an operator brought. */
		source: text('source', { enum: MODEL_SOURCES }).notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		check('models_source_check', oneOf(t.source, MODEL_SOURCES)),
		check('models_task_types_check', jsonArrayOf(t.taskTypes, TASK_TYPES))
	]
);
