import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type ApiTokenSource = 'environment' | 'file' | 'generated';

/**
 * The admin token: it manages models and API keys, and sees and submits any job. EXOSTACK_API_TOKEN wins; otherwise one is
 * generated on first start and kept in the data folder (readable by its owner only), so it survives restarts.
 */
export function loadApiToken(configured: string | null, dataDir: string): { token: string; source: ApiTokenSource } {
	if (configured) return { token: configured, source: 'environment' };
	const file = path.join(dataDir, 'api-token');
	if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), source: 'file' };
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	const token = `exo_${randomBytes(24).toString('base64url')}`;
	writeFileSync(file, `${token}\n`, { mode: 0o600 });
	return { token, source: 'generated' };
}

/** Whether a bearer token is the expected secret, compared in constant time. */
export function tokensMatch(given: string, token: string): boolean {
	const a = Buffer.from(given);
	const b = Buffer.from(token);
	return a.length === b.length && timingSafeEqual(a, b);
}
