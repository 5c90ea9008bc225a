/**
 * The audit log of admin actions (keys minted and revoked, models imported, jobs cancelled by the
 * admin). Callers pass only names and ids: a key's secret never reaches here, the minted key's prefix does.
 */
import { asc, gt } from 'drizzle-orm';
import type { Db } from '../db';
import { auditLog } from '../db/schema';
import type { AuditAction } from '../db/schema/states';

export interface AuditEntry {
	/** `admin` or a key id; every audited action is the admin's today. */
	actor: string;
	action: AuditAction;
	target: string | null;
	detail?: Record<string, unknown>;
	clientAddress: string | null;
}

export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
	await db.insert(auditLog).values({ ...e, detail: e.detail ?? {} });
}

/** Entries after id `after` (0: from the start), oldest first: a reader pages forward by the last id it saw. */
export async function listAudit(db: Db, after: number, limit: number) {
	return db.select().from(auditLog).where(gt(auditLog.id, after)).orderBy(asc(auditLog.id)).limit(limit);
}
