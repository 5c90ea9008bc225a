/**
 * Socket.IO's packet decoder, bounded (the server's `parser` option; one decoder per connection).
 * Engine.IO already refuses a message over `maxHttpBufferSize` before buffering it; this narrows what
 * a connection may send further:
 * - until a volunteer socket on it is admitted (authenticated, `admit()`), packets of at most
 *   PRE_ADMISSION_BYTES: a CONNECT with its `auth` fits, a result does not;
 * - no binary attachments (the protocol is JSON; a binary packet would make the decoder hold buffers
 *   across messages);
 * - at most `packetsPerSecond` packets, whatever they are: past it the connection is closed.
 * A throw from `add` makes Socket.IO close the connection (its client treats it as a protocol violation).
 */
import { Decoder, Encoder, PacketType } from 'socket.io-parser';
import type { Socket } from 'socket.io';

/** A CONNECT packet's largest size: the namespace, the volunteer's capabilities, readiness and identity, with room to spare. */
export const PRE_ADMISSION_BYTES = 8 * 1024;

const BINARY_TYPES = new Set([String(PacketType.BINARY_EVENT), String(PacketType.BINARY_ACK)]);

export interface BoundedParserOptions {
	packetsPerSecond: number;
	/** Packets on a connection with no admitted socket may be this large (dashboards, whose events are all small, never need admitting). */
	preAdmissionBytes?: number;
}

export class PacketRefused extends Error {}

/** The `parser` option for `new Server(…)`: socket.io-parser's encoder and a bounded decoder. */
export function boundedParser(options: BoundedParserOptions) {
	class BoundedDecoder extends Decoder {
		#admitted = false;
		#windowStart = 0;
		#packets = 0;

		override add(data: unknown) {
			if (typeof data !== 'string') throw new PacketRefused('binary packets are not part of this protocol');
			const limit = options.preAdmissionBytes ?? PRE_ADMISSION_BYTES;
			if (!this.#admitted && data.length > limit) throw new PacketRefused(`a packet before authentication is limited to ${limit} bytes`);
			if (BINARY_TYPES.has(data.charAt(0))) throw new PacketRefused('binary packets are not part of this protocol');
			const now = Date.now();
			if (now - this.#windowStart >= 1000) {
				this.#windowStart = now;
				this.#packets = 0;
			}
			if (++this.#packets > options.packetsPerSecond) throw new PacketRefused('too many packets on this connection');
			super.add(data);
		}

		admit() {
			this.#admitted = true;
		}
	}
	return { Encoder, Decoder: BoundedDecoder };
}

/**
 * Lifts the pre-admission size bound on an authenticated socket's connection. Socket.IO keeps each
 * connection's decoder on its (untyped) `client.decoder`; a decoder of another parser is left alone.
 */
export function admit(socket: Socket) {
	const decoder = (socket.client as unknown as { decoder?: { admit?: unknown } }).decoder;
	if (decoder && typeof decoder.admit === 'function') (decoder as { admit(): void }).admit();
}
