import { describe, expect, it } from 'vitest';
import { SocketCaps } from './socket-caps';

describe('socket caps', () => {
	it('counts sockets per identity and per network, and frees a slot once on release', () => {
		const caps = new SocketCaps({ perIdentity: 2, perNetwork: 3 });
		const a1 = caps.take('a', 'net1')!;
		expect(caps.take('a', 'net1')).not.toBeNull();
		expect(caps.take('a', 'net2')).toBeNull(); // the identity's cap, whatever the network
		expect(caps.take('b', 'net1')).not.toBeNull();
		expect(caps.networkFull('net1')).toBe(true);
		expect(caps.take('c', 'net1')).toBeNull(); // the network's cap, whatever the identity
		expect(caps.take('c', 'net2')).not.toBeNull();
		a1();
		a1(); // a release runs on both disconnect and connection close: the second does nothing
		expect(caps.networkFull('net1')).toBe(false);
		expect(caps.take('c', 'net1')).not.toBeNull();
		expect(caps.take('d', 'net1')).toBeNull();
	});

	it('has no per-network cap at 0', () => {
		const caps = new SocketCaps({ perIdentity: 1, perNetwork: 0 });
		for (let i = 0; i < 1000; i++) expect(caps.take(`v${i}`, 'net')).not.toBeNull();
		expect(caps.networkFull('net')).toBe(false);
	});
});
