import { describe, expect, it } from 'vitest';
import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { boundedParser, PacketRefused, PRE_ADMISSION_BYTES } from './bounded-parser';

const encode = (packet: Packet) => new Encoder().encode(packet)[0] as string;
const event = (data: unknown[], nsp = '/volunteer') => encode({ type: PacketType.EVENT, nsp, data });

function decoder(packetsPerSecond = 100) {
	const { Decoder } = boundedParser({ packetsPerSecond });
	const d = new Decoder();
	const decoded: Packet[] = [];
	d.on('decoded', (p: Packet) => decoded.push(p));
	return { d, decoded };
}

describe('the bounded decoder', () => {
	it('decodes what socket.io-parser decodes', () => {
		const { d, decoded } = decoder();
		d.add(encode({ type: PacketType.CONNECT, nsp: '/volunteer', data: { identity: null } }));
		d.add(event(['status', { mode: 'always' }]));
		expect(decoded).toMatchObject([
			{ type: PacketType.CONNECT, nsp: '/volunteer', data: { identity: null } },
			{ type: PacketType.EVENT, data: ['status', { mode: 'always' }] }
		]);
	});

	it('refuses a packet over 8 KB until the connection is admitted, then takes it', () => {
		const { d, decoded } = decoder();
		const big = event(['task:result', { outputs: ['x'.repeat(PRE_ADMISSION_BYTES)] }]);
		expect(() => d.add(big)).toThrow(PacketRefused);
		d.admit();
		d.add(big);
		expect(decoded).toHaveLength(1);
	});

	it('refuses binary packets and binary frames', () => {
		const { d } = decoder();
		d.admit();
		expect(() => d.add(`${PacketType.BINARY_EVENT}1-/volunteer,["x",{"_placeholder":true,"num":0}]`)).toThrow(PacketRefused);
		expect(() => d.add(`${PacketType.BINARY_ACK}1-/volunteer,0[{"_placeholder":true,"num":0}]`)).toThrow(PacketRefused);
		expect(() => d.add(new Uint8Array([1, 2, 3]))).toThrow(PacketRefused);
	});

	it('refuses packets past its rate within a second', () => {
		const { d, decoded } = decoder(10);
		for (let i = 0; i < 10; i++) d.add(event(['status', {}]));
		expect(() => d.add(event(['status', {}]))).toThrow(/too many packets/);
		expect(decoded).toHaveLength(10);
	});
});
