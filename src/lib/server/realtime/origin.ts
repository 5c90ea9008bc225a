import type { IncomingMessage } from 'node:http';

/**
 * Whether a Socket.IO handshake may proceed. Browsers always send Origin: a page on another site must
 * not open a volunteer or dashboard socket to this hub, so its origin must be the hub's own host or an
 * allowed one. Non-browser clients (the headless volunteer, the CLI) send none and are let through;
 * they authenticate by the identity they present.
 */
export function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
	const origin = req.headers.origin;
	if (!origin) return true;
	if (allowed.includes(origin)) return true;
	try {
		return new URL(origin).host === req.headers.host;
	} catch {
		return false;
	}
}
