import { describe, expect, it } from 'vitest';
import { addressKey } from './connection-limits';

describe('addressKey', () => {
	it('counts an IPv4 address by itself, however Node writes it', () => {
		expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
		expect(addressKey(undefined)).toBe('unknown');
	});

	it('counts an IPv6 address by its /64, which one subscriber holds whole', () => {
		expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
		expect(addressKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
		expect(addressKey('2001:db8::1')).toBe('2001:db8::/64');
		expect(addressKey('fe80::1%eth0')).toBe('fe80::/64');
		expect(addressKey('::1')).toBe('::/64');
		expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b::/64');
	});
});
