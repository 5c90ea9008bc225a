import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export const MAX_WEBHOOK_URL_CHARS = 2048;

export interface UrlRules {
	/** http:// allowed as well as https:// (EXOSTACK_WEBHOOK_ALLOW_HTTP). */
	allowHttp: boolean;
	/** Loopback, private, link-local and metadata addresses allowed (EXOSTACK_WEBHOOK_ALLOW_PRIVATE). */
	allowPrivate: boolean;
}

export type Resolve = (host: string) => Promise<string[]>;

const systemResolve: Resolve = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Why an address may not be a webhook's target, or null when it may. Only ipaddr.js's `unicast` range
 * (public unicast) passes: that refuses loopback, RFC 1918 and ULA private, link-local (169.254.169.254,
 * the cloud metadata address, is link-local), carrier-grade NAT, multicast, reserved and unspecified,
 * and IPv4-mapped IPv6 is judged as the IPv4 it carries.
 */
export function refusedAddress(address: string, rules: UrlRules): string | null {
	if (rules.allowPrivate) return null;
	const bare = address.replace(/^\[|\]$/g, '').split('%')[0];
	if (!ipaddr.isValid(bare)) return `"${address}" is not an IP address`;
	const range = ipaddr.process(bare).range();
	return range === 'unicast' ? null : `it resolves to ${bare}, a ${range} address, which webhooks may not reach`;
}

/**
 * Checks a webhook URL before it is stored and again before each delivery (DNS can change between the
 * two): scheme, length, no credentials, and every address its host resolves to. Returns the URL or throws
 * an Error whose message says what is wrong.
 */
export async function checkWebhookUrl(raw: string, rules: UrlRules, resolve: Resolve = systemResolve): Promise<URL> {
	if (raw.length > MAX_WEBHOOK_URL_CHARS) throw new Error(`the URL is longer than ${MAX_WEBHOOK_URL_CHARS} characters`);
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new Error('not a URL');
	}
	if (url.protocol !== 'https:' && !(rules.allowHttp && url.protocol === 'http:'))
		throw new Error(rules.allowHttp ? 'the URL must be http:// or https://' : 'the URL must be https:// (this hub does not allow http://)');
	if (url.username || url.password) throw new Error('the URL may not carry a user name or password');
	const host = url.hostname.replace(/^\[|\]$/g, '');
	const addresses = ipaddr.isValid(host) ? [host] : await resolve(host).catch(() => []);
	if (addresses.length === 0) throw new Error(`its host "${host}" does not resolve`);
	for (const address of addresses) {
		const problem = refusedAddress(address, rules);
		if (problem) throw new Error(problem);
	}
	return url;
}
