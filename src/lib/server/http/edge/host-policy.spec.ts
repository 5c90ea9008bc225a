import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { hostAllowed, originAllowed } from './host-policy';

const none = { publicUrl: null, allowedOrigins: [] };
const configured = { publicUrl: 'https://hub.example.org', allowedOrigins: ['https://volunteers.example.com'] };

describe('hostAllowed', () => {
	it('answers IP literals, localhost and this machine’s name on any port, and no other name', () => {
		for (const host of [
			'127.0.0.1:8000',
			'192.168.1.5',
			'[::1]:8000',
			'[fd00::2]',
			'localhost:8000',
			'LOCALHOST',
			os.hostname(),
			`${os.hostname()}.local:80`,
			undefined
		]) {
			expect(hostAllowed(host, none), String(host)).toBe(true);
		}
		for (const host of [
			'rebound.attacker.example:8000',
			'hub.example.org',
			'127.0.0.1.nip.io',
			'localhost.attacker.example',
			'',
			'a b',
			'x@127.0.0.1',
			'127.0.0.1/x'
		]) {
			expect(hostAllowed(host, none), host).toBe(false);
		}
	});

	it('answers the names of EXOSTACK_PUBLIC_URL and EXOSTACK_ALLOWED_ORIGINS, with or without a port', () => {
		for (const host of ['hub.example.org', 'hub.example.org:443', 'HUB.example.org:8443', 'volunteers.example.com']) {
			expect(hostAllowed(host, configured), host).toBe(true);
		}
		expect(hostAllowed('sub.hub.example.org', configured)).toBe(false);
	});
});

describe('originAllowed', () => {
	it('lets the hub’s own pages through: the origin’s host is the request’s answered Host', () => {
		expect(originAllowed('http://127.0.0.1:8000', '127.0.0.1:8000', none)).toBe(true);
		expect(originAllowed('http://localhost:8000', 'localhost:8000', none)).toBe(true);
		expect(originAllowed('http://192.168.1.5', '192.168.1.5', none)).toBe(true);
		expect(originAllowed('http://[::1]:8000', '[::1]:8000', none)).toBe(true);
	});

	it('refuses other sites, a rebound name posing as the same origin, and nonsense', () => {
		expect(originAllowed('http://evil.example', '127.0.0.1:8000', none)).toBe(false);
		expect(originAllowed('http://127.0.0.1:9999', '127.0.0.1:8000', none)).toBe(false);
		expect(originAllowed('http://rebound.attacker.example:8000', 'rebound.attacker.example:8000', none)).toBe(false);
		expect(originAllowed('null', '127.0.0.1:8000', none)).toBe(false);
		expect(originAllowed('file://', '127.0.0.1:8000', none)).toBe(false);
		expect(originAllowed('http://127.0.0.1:8000', undefined, none)).toBe(false);
	});

	it('lets configured origins through whatever the Host', () => {
		expect(originAllowed('https://volunteers.example.com', '127.0.0.1:8000', configured)).toBe(true);
		expect(originAllowed('https://hub.example.org', 'hub.example.org', configured)).toBe(true);
		expect(originAllowed('http://volunteers.example.com', '127.0.0.1:8000', configured)).toBe(false);
	});
});
