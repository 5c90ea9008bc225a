import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { hubSecrets } from '../db/schema';
import type { Db } from '../db';

/**
 * Volunteers are anonymous, but their results and credit are bound to an identity the hub signs:
 * `<volunteer id>.<HMAC-SHA256 of the id>`. A volunteer keeps it (idb-keyval) and presents it on
 * every connection; without the hub's key nobody can mint one for another volunteer's id.
 */
export class IdentitySigner {
	constructor(private readonly key: Buffer) {}

	issue(): { volunteerId: string; identity: string } {
		const volunteerId = randomUUID();
		return { volunteerId, identity: `${volunteerId}.${this.sign(volunteerId)}` };
	}

	/** An identity for a chosen id (a seed-style agent that names itself at POST /nodes/register). */
	issueFor(volunteerId: string): string {
		return `${volunteerId}.${this.sign(volunteerId)}`;
	}

	/** The volunteer id an identity proves, or null when it is malformed or not signed by this hub. */
	verify(identity: string): string | null {
		const dot = identity.lastIndexOf('.');
		if (dot <= 0) return null;
		const id = identity.slice(0, dot);
		const given = Buffer.from(identity.slice(dot + 1));
		const expected = Buffer.from(this.sign(id));
		return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
	}

	/** A key for another purpose (proof-of-work challenges), shared by every hub process as this one is. */
	derive(purpose: string): Buffer {
		return createHmac('sha256', this.key).update(`derive:${purpose}`).digest();
	}

	private sign(id: string): string {
		return createHmac('sha256', this.key).update(id).digest('base64url');
	}
}

/** The signing key lives in the database so every hub process signs and verifies alike. The first to start creates it. */
export async function loadIdentitySigner(db: Db): Promise<IdentitySigner> {
	await db
		.insert(hubSecrets)
		.values({ name: 'identity-key', value: randomBytes(32).toString('base64') })
		.onConflictDoNothing();
	const [row] = await db.select().from(hubSecrets).where(eq(hubSecrets.name, 'identity-key'));
	return new IdentitySigner(Buffer.from(row.value, 'base64'));
}
