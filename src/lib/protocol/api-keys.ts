/** The API-key and audit-log endpoints' bodies, shared by the hub (which produces them) and the CLI (which parses them). */
import { z } from 'zod';

const quota = z.number().int().min(0).max(1_000_000_000);

/** `POST /api/keys`: a name to know the key by, and optional quotas (else the hub's defaults). */
export const MintKeyRequest = z.strictObject({
	name: z.string().trim().min(1).max(100),
	quotas: z.strictObject({ jobs_per_day: quota.optional(), inputs_per_day: quota.optional() }).optional()
});
export type MintKeyRequest = z.infer<typeof MintKeyRequest>;

/** One key as `GET /api/keys` lists it: never the key, never its hash. Null quotas are the hub's defaults. */
export const KeyView = z.object({
	id: z.string(),
	name: z.string(),
	prefix: z.string(),
	created_at: z.string(),
	last_used_at: z.string().nullable(),
	revoked_at: z.string().nullable(),
	quotas: z.object({ jobs_per_day: z.number().nullable(), inputs_per_day: z.number().nullable() }),
	usage: z.object({ jobs_last_day: z.number(), inputs_last_day: z.number() })
});
export type KeyView = z.infer<typeof KeyView>;

/** `POST /api/keys`' answer: the only time the key itself is shown. */
export const MintedKeyView = z.object({
	id: z.string(),
	name: z.string(),
	prefix: z.string(),
	key: z.string(),
	created_at: z.string(),
	quotas: z.object({ jobs_per_day: z.number().nullable(), inputs_per_day: z.number().nullable() })
});
export type MintedKeyView = z.infer<typeof MintedKeyView>;

/** One entry of `GET /api/audit`. */
export const AuditEntryView = z.object({
	id: z.number(),
	at: z.string(),
	actor: z.string(),
	action: z.string(),
	target: z.string().nullable(),
	detail: z.record(z.string(), z.unknown()),
	client_address: z.string().nullable()
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;
