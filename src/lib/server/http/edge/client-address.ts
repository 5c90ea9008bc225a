/**
 * The address a request comes from: the socket's peer, unless that peer is a reverse proxy the operator
 * trusts (EXOSTACK_TRUSTED_PROXIES), in which case the nearest untrusted address of X-Forwarded-For.
 * proxy-addr (expressjs's) walks the header from the right, so a client cannot prepend a forged address:
 * only hops added by trusted proxies are skipped.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

export type ClientAddressOf = (req: IncomingMessage) => string;

/** Throws at start-up on a trusted-proxy entry that is not an address, a CIDR or one of proxy-addr's names (loopback, linklocal, uniquelocal). */
export function clientAddressResolver(trustedProxies: string[]): ClientAddressOf {
	const trust = proxyAddr.compile(trustedProxies);
	return (req) => proxyAddr(req, trust);
}

const resolvers = new WeakMap<string[], ClientAddressOf>();

/** The resolver for a configuration's trusted proxies, compiled once per configuration. */
export function clientAddressFor(trustedProxies: string[]): ClientAddressOf {
	let resolve = resolvers.get(trustedProxies);
	if (!resolve) resolvers.set(trustedProxies, (resolve = clientAddressResolver(trustedProxies)));
	return resolve;
}
