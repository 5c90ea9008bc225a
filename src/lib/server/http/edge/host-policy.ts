/**
 * Which names this hub answers to (the HTTP Host header) and which pages may open sockets to it (the
 * Origin header): the defence against DNS rebinding and cross-site WebSocket hijacking.
 *
 * DNS rebinding needs a name the attacker controls, resolving first to their server and then to the hub;
 * the browser then sends that name as Host and treats the hub as the attacker's origin. So the hub
 * answers only to names it can vouch for:
 *   - IP literals, any port: no DNS is involved, so no rebinding (the hub on its LAN address, behind NAT
 *     or a port forward, works unconfigured);
 *   - `localhost` and this machine's host name (`vm`, `vm.local`): resolved on the machine itself;
 *   - the host name of EXOSTACK_PUBLIC_URL and of each EXOSTACK_ALLOWED_ORIGINS entry: the operator's word.
 * A browser page may open a socket when its origin is the hub's own (same scheme-less host as the
 * request's allowed Host) or is listed in EXOSTACK_PUBLIC_URL / EXOSTACK_ALLOWED_ORIGINS.
 */
import { isIP } from 'node:net';
import os from 'node:os';

export interface HostPolicyConfig {
	publicUrl: string | null;
	allowedOrigins: string[];
}

/** The configured origins: EXOSTACK_PUBLIC_URL first, then EXOSTACK_ALLOWED_ORIGINS. */
function configuredOrigins(config: HostPolicyConfig): string[] {
	return config.publicUrl ? [config.publicUrl, ...config.allowedOrigins] : config.allowedOrigins;
}

/** `host[:port]` → the host name alone, lower-case, without IPv6 brackets; null when it is not a valid authority. */
function hostname(authority: string): string | null {
	if (!URL.canParse(`http://${authority}`)) return null;
	const url = new URL(`http://${authority}`);
	if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
	return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function machineNames(): string[] {
	const name = os.hostname().toLowerCase();
	return ['localhost', name, `${name}.local`];
}

/**
 * Whether the hub answers a request sent with this Host header. A request without one (HTTP/1.0) is
 * answered: no browser sends such a request, so it cannot be a rebinding.
 */
export function hostAllowed(host: string | undefined, config: HostPolicyConfig): boolean {
	if (host === undefined) return true;
	const name = hostname(host);
	if (name === null) return false;
	// The port plays no part: rebinding is about whose name it is, and a proxy may or may not add its port.
	return isIP(name) !== 0 || machineNames().includes(name) || configuredOrigins(config).some((o) => new URL(o).hostname === name);
}

/**
 * Whether a browser page on `origin` may open a socket on a request that arrived with `host`. A listed
 * origin always may; otherwise only the hub's own page: the same host as an answered Host.
 */
export function originAllowed(origin: string, host: string | undefined, config: HostPolicyConfig): boolean {
	if (configuredOrigins(config).includes(origin)) return true;
	if (!URL.canParse(origin) || host === undefined || !hostAllowed(host, config)) return false;
	const url = new URL(origin);
	return /^https?:$/.test(url.protocol) && url.host === host.toLowerCase();
}
