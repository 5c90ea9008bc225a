/**
 * Which API token the CLI sends, and to which hub. A token belongs to the hub it was given for, so a
 * `--hub` pasted from elsewhere never receives the user's own token:
 *
 *   --token                   the hub of this same command (the user paired them)
 *   EXOSTACK_API_TOKEN        EXOSTACK_HUB_URL when set; otherwise only a hub on this machine
 *   <data folder>/api-token   only a hub on this machine (it is the token of a hub started here)
 *
 * "A hub on this machine" is a loopback origin (localhost, 127.0.0.0/8, ::1), any port; origins are
 * compared by scheme, host and port, all loopback names counting as one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

export interface HubToken {
	token: string | null;
	/** Why a token that was found is not sent to this hub (for the error message if the hub asks for one). */
	withheld: string | null;
}

function isLoopback(hostname: string): boolean {
	const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
	if (host === 'localhost' || host.endsWith('.localhost')) return true;
	if (isIP(host) === 4) return host.startsWith('127.');
	return host === '::1' || /^::ffff:127\./.test(host);
}

/** scheme://host:port with every loopback name as one, so http://localhost:8000 and http://127.0.0.1:8000 compare equal. */
function originKey(url: URL): string {
	return `${url.protocol}//${isLoopback(url.hostname) ? 'loopback' : url.hostname}:${url.port}`;
}

const sameHub = (a: URL, b: string) => URL.canParse(b) && originKey(a) === originKey(new URL(b));

export function hubToken(hubUrl: string, given: string | undefined, env: NodeJS.ProcessEnv): HubToken {
	if (given) return { token: given, withheld: null };
	const hub = new URL(hubUrl);
	const local = isLoopback(hub.hostname);
	if (env.EXOSTACK_API_TOKEN) {
		const bound = env.EXOSTACK_HUB_URL;
		if (bound ? sameHub(hub, bound) : local) return { token: env.EXOSTACK_API_TOKEN, withheld: null };
		return {
			token: null,
			withheld: `EXOSTACK_API_TOKEN belongs to ${bound ?? 'a hub on this machine'}, not ${hub.origin}; pass --token to send one to it`
		};
	}
	const file = path.join(env.EXOSTACK_DATA_DIR ?? 'data', 'api-token');
	if (!existsSync(file)) return { token: null, withheld: null };
	if (local) return { token: readFileSync(file, 'utf8').trim(), withheld: null };
	return { token: null, withheld: `${file} belongs to the hub on this machine, not ${hub.origin}; pass --token to send one to it` };
}
