import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type ApiTokenSource = 'environment' | 'file' | 'generated';

/**
 * The token that submitting jobs and managing models need. EXOSTACK_API_TOKEN wins; otherwise one is
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

/** Whether a request carries `Authorization: Bearer <token>`, compared in constant time. */
export function hasBearer(request: Request, token: string): boolean {
	const header = request.headers.get('authorization') ?? '';
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
	if (!match) return false;
	const given = Buffer.from(match[1]);
	const expected = Buffer.from(token);
	return given.length === expected.length && timingSafeEqual(given, expected);
}
