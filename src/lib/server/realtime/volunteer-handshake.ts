/**
 * Volunteers authenticate in the Socket.IO handshake (`nsp.use`): the `auth` payload is checked, the
 * identity verified or (rationed, perhaps after a proof of work) issued, the socket counted against its
 * identity's and network's caps and its session opened, all before the socket exists for the handlers.
 * A socket that is connected is therefore authenticated; one that is refused gets a `connect_error`
 * whose `data` says why (HandshakeRefusal), and one that never completes is dropped by Socket.IO's
 * connectTimeout. Accepted, it is sent `welcome` (who it is, its credit).
 */
import type { Hub } from '../hub';
import { VolunteerAuth, type HandshakeRefusal, type Welcome } from '../../protocol/events';
import { leaseGate } from '../../readiness/lease-gate';
import { admitNewIdentity } from '../auth/identity-admission';
import { networkOf } from '../net/network-of';
import type { ClientAddressOf } from '../http/edge/client-address';
import { closeSession, openSession } from '../volunteers/sessions';
import { unstorableTextAt, unstorableTextMessage } from '../db/storable-text';
import { admit } from './bounded-parser';
import { SocketCaps } from './socket-caps';
import { firstExpiryMs } from '../scheduler/lease-deadline';
import type { VolunteerData, VolunteerNamespace, VolunteerSocket } from './volunteer-data';

/** How long a client refused for too many sockets is told to wait before trying again. */
const SOCKETS_RETRY_MS = 30_000;

/** A refusal as Socket.IO carries it to the client: the message, and `data` for the client to act on. */
export function refusal(message: string, data: HandshakeRefusal): Error & { data: HandshakeRefusal } {
	return Object.assign(new Error(message), { data });
}

export function authenticateVolunteers(hub: Hub, nsp: VolunteerNamespace, addressOf: ClientAddressOf) {
	const caps = new SocketCaps(hub.config.sockets);
	// The shortest window any lease is granted (a first expiry can be below the configured length): renewals must beat it.
	const leaseMs = firstExpiryMs(hub.config.leaseMs, hub.config.leaseMaxMs);
	nsp.use((socket, next) => {
		handshake(hub, caps, addressOf, socket).then(
			(refused) => next(refused ?? undefined),
			(err) => {
				hub.observe.log.error({ err }, 'volunteer handshake failed');
				next(refusal('the hub could not open this session', { code: 'internal' }));
			}
		);
	});
	nsp.on('connection', (socket) => {
		admit(socket);
		socket.emit('welcome', welcomeOf(socket.data as VolunteerData, leaseMs));
	});
}

async function handshake(hub: Hub, caps: SocketCaps, addressOf: ClientAddressOf, socket: VolunteerSocket): Promise<Error | null> {
	const parsed = VolunteerAuth.safeParse(socket.handshake.auth);
	if (!parsed.success)
		return refusal(`invalid handshake: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`, { code: 'invalid' });
	const auth = parsed.data;
	// Checked before anything is written (an identity drawn, a session opened): PostgreSQL would refuse such text at the insert.
	const unstorable = unstorableTextAt(auth);
	if (unstorable !== null) return refusal(`invalid handshake: ${unstorableTextMessage(unstorable)}`, { code: 'invalid' });
	const network = networkOf(addressOf(socket.request), hub.config.networks);
	if (caps.networkFull(network))
		return refusal('too many sockets from this network', { code: 'too-many-sockets', retryAfterMs: SOCKETS_RETRY_MS });
	// A forged or foreign identity is treated as none: the client gets a fresh one, as a first visit would.
	const known = auth.identity ? hub.identities.verify(auth.identity) : null;
	let who: { volunteerId: string; identity: string };
	if (known) who = { volunteerId: known, identity: auth.identity! };
	else {
		const admission = await admitNewIdentity(hub.db, hub.identities, hub.config.identities, network, auth.pow);
		if (!admission.ok)
			return refusal(
				admission.error,
				admission.code === 'rate-limited'
					? { code: admission.code, retryAfterMs: admission.retryAfterMs }
					: { code: admission.code, pow: admission.pow }
			);
		who = hub.identities.issue();
	}
	const release = caps.take(who.volunteerId, network);
	if (!release)
		return refusal('too many sockets for this identity or network', { code: 'too-many-sockets', retryAfterMs: SOCKETS_RETRY_MS });
	socket.on('disconnect', release);
	socket.conn.once('close', release);
	const gateOpen = leaseGate(auth.mode, auth.readiness, hub.config.readinessThreshold, false).open;
	const { capabilities, mode, readiness } = auth;
	const credit = await openSession(hub.db, {
		id: socket.id,
		volunteerId: who.volunteerId,
		hubId: hub.id,
		capabilities,
		mode,
		readiness,
		readyForAi: gateOpen,
		network
	}).catch((e: unknown) => {
		release();
		throw e;
	});
	// The client may have gone while the session opened: Socket.IO then drops the socket without a disconnect event.
	if (socket.conn.readyState !== 'open') {
		release();
		await closeSession(hub.db, socket.id);
		return refusal('the connection closed during the handshake', { code: 'internal' });
	}
	const data: VolunteerData = { sessionId: socket.id, ...who, capabilities, mode, readiness, gateOpen, network, credit };
	Object.assign(socket.data, data);
	return null;
}

function welcomeOf(data: VolunteerData, leaseMs: number): Welcome {
	return { volunteerId: data.volunteerId, identity: data.identity, sessionId: data.sessionId, credit: data.credit, leaseMs };
}
