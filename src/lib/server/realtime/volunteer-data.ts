/**
 * What the hub keeps on each volunteer socket, and the namespace's types: a leaf module, imported by the
 * handshake that fills the data and the handlers that read it.
 */
import type { Namespace, Socket } from 'socket.io';
import type { InterServerEvents, VolunteerClientToServer, VolunteerCredit, VolunteerServerToClient } from '../../protocol/events';
import type { Capabilities, Readiness, VolunteerMode } from '../../protocol/volunteer';

export interface VolunteerData {
	sessionId: string;
	volunteerId: string;
	capabilities: Capabilities;
	mode: VolunteerMode;
	readiness: Readiness;
	/** The hub's gate on this session's readiness was open at the last report (its threshold hysteresis). */
	gateOpen: boolean;
	/** The client's network (net/network-of.ts), from its address as http/edge/client-address.ts resolves it. */
	network: string;
	/** The signed identity, as issued or presented, and the credit it held at the handshake: the welcome's content. */
	identity: string;
	credit: VolunteerCredit;
}

export type VolunteerNamespace = Namespace<VolunteerClientToServer, VolunteerServerToClient, InterServerEvents, Partial<VolunteerData>>;
export type VolunteerSocket = Socket<VolunteerClientToServer, VolunteerServerToClient, InterServerEvents, Partial<VolunteerData>>;
