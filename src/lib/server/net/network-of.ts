import ipaddr from 'ipaddr.js';

/** How wide a "network" is: one subscriber's or one organisation's block of addresses. */
export interface NetworkPrefixes {
	/** Leading bits of an IPv4 address that name its network (24: a /24, as most ISPs and LANs hand out). */
	v4: number;
	/** Leading bits of an IPv6 address that name its network (48: a site's allocation). */
	v6: number;
}

export const DEFAULT_PREFIXES: NetworkPrefixes = { v4: 24, v6: 48 };

/**
 * The network an address belongs to, in CIDR form (`203.0.113.0/24`, `2001:db8:1::/48`): the unit that
 * rations identities and separates replicas, because one person easily holds many addresses of one
 * network and rarely several networks. IPv4-mapped IPv6 addresses count as IPv4; an address that does
 * not parse is its own network, named as it came.
 */
export function networkOf(address: string | undefined, prefixes: NetworkPrefixes = DEFAULT_PREFIXES): string {
	if (!address) return 'unknown';
	const bare = address.split('%')[0];
	if (!ipaddr.isValid(bare)) return address;
	const parsed = ipaddr.process(bare);
	const bits = parsed.kind() === 'ipv4' ? prefixes.v4 : prefixes.v6;
	const width = parsed.kind() === 'ipv4' ? 32 : 128;
	const octets = parsed.toByteArray();
	const masked = octets.map((byte, i) => {
		const kept = Math.min(8, Math.max(0, bits - i * 8));
		return byte & ((0xff << (8 - kept)) & 0xff);
	});
	const base = ipaddr.fromByteArray(masked);
	return `${base.toString()}/${Math.min(bits, width)}`;
}
