import type { IncomingMessage } from 'node:http';
import { hostAllowed, originAllowed as pageOriginAllowed, type HostPolicyConfig } from '../http/edge/host-policy';

/**
 * Whether a Socket.IO handshake may proceed. The Host must be one the hub answers to (a DNS-rebinding
 * name is refused even without an Origin: a rebound page's same-origin polling request sends none).
 * Browsers send Origin on cross-origin requests and every WebSocket: a page on another site must not
 * open a volunteer or dashboard socket to this hub, so its origin must be the hub's own or an allowed
 * one (see http/edge/host-policy.ts). Non-browser clients (the headless volunteer, the CLI) send no
 * Origin and are let through; they authenticate by the identity they present.
 */
export function originAllowed(req: IncomingMessage, config: HostPolicyConfig): boolean {
	if (!hostAllowed(req.headers.host, config)) return false;
	const origin = req.headers.origin;
	return origin === undefined || pageOriginAllowed(origin, req.headers.host, config);
}
