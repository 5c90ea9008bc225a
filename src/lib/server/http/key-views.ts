import type { AuditEntryView, KeyView, MintedKeyView } from '../../protocol/api-keys';
import type { KeyListing, MintedKey } from '../auth/api-keys';
import type { auditLog } from '../db/schema';

export function keyView(k: KeyListing): KeyView {
	return {
		id: k.id,
		name: k.name,
		prefix: k.prefix,
		created_at: k.createdAt.toISOString(),
		last_used_at: k.lastUsedAt?.toISOString() ?? null,
		revoked_at: k.revokedAt?.toISOString() ?? null,
		quotas: { jobs_per_day: k.jobsPerDay, inputs_per_day: k.inputsPerDay },
		usage: { jobs_last_day: k.jobsToday, inputs_last_day: k.inputsToday }
	};
}

export function mintedKeyView(k: MintedKey): MintedKeyView {
	return {
		id: k.id,
		name: k.name,
		prefix: k.prefix,
		key: k.key,
		created_at: k.createdAt.toISOString(),
		quotas: { jobs_per_day: k.jobsPerDay, inputs_per_day: k.inputsPerDay }
	};
}

export function auditEntryView(e: typeof auditLog.$inferSelect): AuditEntryView {
	return {
		id: e.id,
		at: e.at.toISOString(),
		actor: e.actor,
		action: e.action,
		target: e.target,
		detail: e.detail,
		client_address: e.clientAddress
	};
}
