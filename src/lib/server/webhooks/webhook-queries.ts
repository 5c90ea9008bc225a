import { randomBytes } from 'node:crypto';
import { and, count, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db';
import { webhooks } from '../db/schema';
import type { Principal } from '../auth/principal';
import type { WebhookEvent } from '../../protocol/webhooks';

/** How many live webhooks one API key (or the admin) may have: each costs a POST per event. */
export const MAX_WEBHOOKS_PER_OWNER = 10;

/** The key a webhook belongs to: null for the admin's own. */
function ownerKey(p: Principal): string | null {
	return p.kind === 'admin' ? null : p.id;
}

function ownedBy(p: Principal): SQL {
	const key = ownerKey(p);
	return key === null ? isNull(webhooks.keyId) : eq(webhooks.keyId, key);
}

/** A new signing secret in the form standardwebhooks reads: `whsec_` and base64 of 32 random bytes. */
export function newWebhookSecret(): string {
	return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Stores a webhook for the caller, or returns null when it already has the most it may. */
export async function createWebhook(db: Db, p: Principal, url: string, events: WebhookEvent[]) {
	return db.transaction(async (tx) => {
		// Two registrations at once could both see 9: serialise per owner so the cap holds.
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'webhooks:' + (ownerKey(p) ?? 'admin')}))`);
		const [{ n }] = await tx
			.select({ n: count() })
			.from(webhooks)
			.where(and(ownedBy(p), isNull(webhooks.disabledAt)));
		if (n >= MAX_WEBHOOKS_PER_OWNER) return null;
		const [row] = await tx
			.insert(webhooks)
			.values({ keyId: ownerKey(p), url, events, secret: newWebhookSecret() })
			.returning({ id: webhooks.id, secret: webhooks.secret, createdAt: webhooks.createdAt });
		return row;
	});
}

/** Live webhooks the caller may see, without secrets: its own, or every one for the admin. */
export async function listWebhooks(db: Db, p: Principal) {
	return db
		.select({ id: webhooks.id, keyId: webhooks.keyId, url: webhooks.url, events: webhooks.events, createdAt: webhooks.createdAt })
		.from(webhooks)
		.where(and(p.kind === 'admin' ? undefined : ownedBy(p), isNull(webhooks.disabledAt)))
		.orderBy(desc(webhooks.createdAt));
}

/** Disables a live webhook the caller may manage (its own; the admin: any); false when there is none such. */
export async function disableWebhook(db: Db, p: Principal, id: string): Promise<boolean> {
	const rows = await db
		.update(webhooks)
		.set({ disabledAt: new Date() })
		.where(and(eq(webhooks.id, id), p.kind === 'admin' ? undefined : ownedBy(p), isNull(webhooks.disabledAt)))
		.returning({ id: webhooks.id });
	return rows.length > 0;
}
