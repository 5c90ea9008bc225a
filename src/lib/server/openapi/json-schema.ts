/** zod → the JSON Schema 2020-12 that OpenAPI 3.1 embeds, with zod 4's own converter (no generator to keep in step with zod). */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * `io: 'input'` describes what a request may send (defaults optional); `'output'` what the hub answers
 * (every default filled, objects closed with `additionalProperties: false`, so a live answer with an
 * undeclared field fails validation). Transforms and refinements have no JSON form: they are left open.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
	const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
	return rest;
}

/** Whether an object's field may be left out. */
export const isOptional = (schema: z.ZodType) => schema.safeParse(undefined).success;
