import type { Db } from '../db';
import { tokensMatch } from './api-token';
import { findLiveKey } from './api-keys';
import { ADMIN, type KeyQuotas, type Principal } from './principal';

export interface Credentials {
	db: Db;
	adminToken: string;
	/** Quotas of a key minted without its own. */
	defaultQuotas: KeyQuotas;
}

/** A hub's credentials (structurally, so this module needs nothing above it). */
export function credentialsOf(hub: { db: Db; apiToken: string; config: { keyQuotas: KeyQuotas } }): Credentials {
	return { db: hub.db, adminToken: hub.apiToken, defaultQuotas: hub.config.keyQuotas };
}

/** The principal a bearer token speaks for: the admin, a live key, or nobody (unknown or revoked). */
export async function authenticate(c: Credentials, token: string): Promise<Principal | null> {
	if (tokensMatch(token, c.adminToken)) return ADMIN;
	const key = await findLiveKey(c.db, token);
	if (!key) return null;
	return {
		kind: 'key',
		id: key.id,
		quotas: { jobsPerDay: key.jobsPerDay ?? c.defaultQuotas.jobsPerDay, inputsPerDay: key.inputsPerDay ?? c.defaultQuotas.inputsPerDay }
	};
}

/** The token of `Authorization: Bearer <token>`, or null without one. */
export function bearerOf(request: Request): string | null {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
	return match ? match[1] : null;
}
