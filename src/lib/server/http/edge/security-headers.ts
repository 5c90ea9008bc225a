import { crossOriginIsolation } from '../isolation';
import { cspDirectives } from './csp-directives.js';

/** CSP keywords are written quoted; schemes and hosts are not (as SvelteKit serialises kit.csp). */
const KEYWORDS = new Set([
	'self',
	'none',
	'unsafe-inline',
	'unsafe-eval',
	'wasm-unsafe-eval',
	'unsafe-hashes',
	'strict-dynamic',
	'report-sample'
]);

function cspHeader(directives: typeof cspDirectives): string {
	return Object.entries(directives)
		.flatMap(([name, value]: [string, unknown]) => {
			if (value === true) return [name]; // a flag such as upgrade-insecure-requests
			if (!Array.isArray(value)) return [];
			return [[name, ...value.map((v: string) => (KEYWORDS.has(v) ? `'${v}'` : v))].join(' ')];
		})
		.join('; ');
}

/**
 * Headers the server entry sets on every response before anything else runs. A page's own CSP
 * (SvelteKit's, the same directives plus the hash of its inline bootstrap script) replaces this one.
 * - `X-Content-Type-Options: nosniff`: an uploaded image or a model file is never run as a script or
 *   rendered as a page, whatever its bytes look like.
 * - `Referrer-Policy: same-origin`: job and volunteer ids in our URLs do not leak to other sites.
 * - `X-Frame-Options: DENY`: frame-ancestors for browsers that predate it.
 */
export const securityHeaders: Record<string, string> = {
	...crossOriginIsolation,
	'Content-Security-Policy': cspHeader(cspDirectives),
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'same-origin',
	'X-Frame-Options': 'DENY'
};
