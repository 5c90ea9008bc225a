/**
 * The volunteer's side of the hub's handshake (server: realtime/volunteer-handshake.ts): its identity and
 * state go in Socket.IO's `auth`, asked for afresh on every (re)connection, and a refusal is acted on:
 * a proof-of-work challenge is solved and the handshake retried with the solution; a rate limit or a
 * full socket cap is waited out as long as the hub says. Socket.IO's client retries transport failures
 * by itself, but never a refusal by the server's middleware: those retries are made here.
 */
import { HandshakeRefusal, type VolunteerAuth } from '../protocol/events';
import { solveProofOfWork, type ProofOfWorkSolution } from '../protocol/proof-of-work';
import type { Clock } from './clock';

/** What a volunteer presents; the proof of work is added here when the hub asks for one. */
export type Credentials = Omit<VolunteerAuth, 'pow'>;

/** The part of a Socket.IO client socket the handshake uses. */
export interface HandshakeSocket {
	auth: object | ((cb: (data: object) => void) => void);
	connect(): unknown;
	on(event: 'connect_error', listener: (err: Error) => void): unknown;
}

/** When the hub refused without saying when to come back (an internal error). */
const DEFAULT_RETRY_MS = 30_000;

export interface Handshake {
	/** No more retries (the volunteer stopped). */
	cancel(): void;
}

export function authenticateWith(
	socket: HandshakeSocket,
	credentials: () => Promise<Credentials>,
	opts: { clock: Clock; log?: (line: string) => void }
): Handshake {
	let solution: ProofOfWorkSolution | null = null;
	let cancelRetry: (() => void) | null = null;
	let cancelled = false;
	socket.auth = (cb: (data: object) => void) => {
		const pow = solution;
		solution = null;
		credentials().then(
			(c) => cb(pow ? { ...c, pow } : c),
			// Nothing to present: the hub refuses it as invalid, and says so.
			() => cb({})
		);
	};
	const retry = (ms: number) => {
		cancelRetry?.();
		cancelRetry = opts.clock.after(ms, () => {
			cancelRetry = null;
			if (!cancelled) socket.connect();
		});
	};
	socket.on('connect_error', (err) => {
		const refused = HandshakeRefusal.safeParse((err as Error & { data?: unknown }).data);
		if (!refused.success || cancelled) return; // a transport failure: Socket.IO reconnects by itself
		const { code, retryAfterMs, pow } = refused.data;
		opts.log?.(`the hub refused this volunteer: ${err.message}`);
		if (code === 'pow-required' && pow) {
			void solveProofOfWork(pow).then((s) => {
				solution = s;
				if (!cancelled) socket.connect();
			});
		} else if (code !== 'invalid') retry(retryAfterMs ?? DEFAULT_RETRY_MS);
	});
	return {
		cancel() {
			cancelled = true;
			cancelRetry?.();
		}
	};
}
