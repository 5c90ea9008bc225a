/** A volunteer's end of the hub connection, typed by the one protocol (the browser tab and the headless volunteer both hold one). */
import type { Socket } from 'socket.io-client';
import type { VolunteerClientToServer, VolunteerServerToClient } from '../protocol/events';
import type { HandshakeSocket } from './hub-handshake';

export type VolunteerSocket = Socket<VolunteerServerToClient, VolunteerClientToServer>;

type Emits = VolunteerClientToServer;

/** The events whose last argument is an acknowledgement. */
type AckedEvent = { [E in keyof Emits]: Parameters<Emits[E]> extends [unknown, (reply: never) => void] ? E : never }[keyof Emits];

/** What the hub acknowledges `E` with. */
export type AckOf<E extends AckedEvent> = Parameters<Parameters<Emits[E]>[1]>[0];

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** One overload per acknowledged event: a single generic signature would not match Socket.IO's own. */
type EmitWithAck = UnionToIntersection<
	{ [E in AckedEvent]: (event: E, payload: Parameters<Emits[E]>[0]) => Promise<AckOf<E>> }[AckedEvent]
>;

/**
 * The part of a VolunteerSocket the work loop uses, and all a fake needs (testing.ts): typed by the
 * same event maps, so a fake cannot speak a protocol the hub does not.
 */
export interface LoopSocket extends HandshakeSocket {
	readonly connected: boolean;
	connect(): unknown;
	on(event: 'connect' | 'disconnect', listener: () => void): unknown;
	on(event: 'connect_error', listener: (err: Error) => void): unknown;
	on<E extends keyof VolunteerServerToClient>(event: E, listener: VolunteerServerToClient[E]): unknown;
	emit<E extends keyof Emits>(event: E, ...args: Parameters<Emits[E]>): unknown;
	/** Socket.IO's `socket.timeout(ms).emitWithAck(...)`: the acknowledgement, or a rejection after `ms`. */
	timeout(ms: number): { emitWithAck: EmitWithAck };
}
