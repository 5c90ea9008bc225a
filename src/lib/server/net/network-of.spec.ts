import { describe, expect, it } from 'vitest';
import { networkOf } from './network-of';

describe('networkOf', () => {
	it('names an IPv4 address by its /24 and an IPv6 address by its /48', () => {
		expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
		expect(networkOf('2001:db8:1:2::9')).toBe('2001:db8:1::/48');
	});
	it('counts an IPv4-mapped address as IPv4, and honours other prefixes', () => {
		expect(networkOf('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
		expect(networkOf('198.51.100.9', { v4: 32, v6: 128 })).toBe('198.51.100.9/32');
		expect(networkOf('10.1.2.3', { v4: 16, v6: 48 })).toBe('10.1.0.0/16');
	});
	it('keeps an address that does not parse as its own network', () => {
		expect(networkOf('not-an-address')).toBe('not-an-address');
		expect(networkOf(undefined)).toBe('unknown');
	});
});
