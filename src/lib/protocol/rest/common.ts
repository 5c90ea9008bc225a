/** Pieces every REST body shares. Outputs are described as tightly as the hub produces them, so a drift fails a parse. */
import { z } from 'zod';

/** Every refusal of `/api/*`, the seed's paths and the files the hub serves: `{ "error": "…" }`. */
export const ApiErrorBody = z.object({ error: z.string().describe('what is wrong, in words') });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** An instant as the hub writes it: `Date.toISOString()`, always UTC. */
export const Timestamp = z.iso.datetime();

export const Uuid = z.uuid();
