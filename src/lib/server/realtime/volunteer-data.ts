/**
 * What the hub keeps on each volunteer socket, and the namespace's types: a leaf module, imported by the
 * handshake that fills the data and the handlers that read it.
 */
import type { Namespace, Socket } from 'socket.io';
import type { InterServerEvents, VolunteerClientToServer, VolunteerCredit, VolunteerServerToClient } from '../../protocol/events';
import type { WorkSession } from '../scheduler/work-types';

/** The scheduler's view of the session (work-types.ts), plus what only the transport keeps. */
export interface VolunteerData extends WorkSession {
	/** The signed identity, as issued or presented, and the credit it held at the handshake: the welcome's content. */
	identity: string;
	credit: VolunteerCredit;
}

export type VolunteerNamespace = Namespace<VolunteerClientToServer, VolunteerServerToClient, InterServerEvents, Partial<VolunteerData>>;
export type VolunteerSocket = Socket<VolunteerClientToServer, VolunteerServerToClient, InterServerEvents, Partial<VolunteerData>>;
