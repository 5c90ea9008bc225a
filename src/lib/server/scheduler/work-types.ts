/**
 * What the volunteer-work service (volunteer-work.ts) is given: a leaf module, so its parts and its
 * callers (the Socket.IO namespace, a future transport) share the shapes without importing each other.
 */
import type { Db } from '../db';
import type { DatabaseReach } from '../db/reach';
import type { HubConfig } from '../config';
import type { ModelCache } from '../models/model-cache';
import type { BlobStore } from '../models/blob-store';
import type { Observer } from '../observe/observer';
import type { Capabilities, Readiness, VolunteerMode } from '../../protocol/volunteer';

/** One volunteer connection as the scheduler sees it: who it is, what it runs, how ready it is. */
export interface WorkSession {
	sessionId: string;
	volunteerId: string;
	capabilities: Capabilities;
	mode: VolunteerMode;
	readiness: Readiness;
	/** The hub's readiness gate was open at the last report (its hysteresis). */
	gateOpen: boolean;
	/** The client's network (net/network-of.ts), from its address as http/edge/client-address.ts resolves it. */
	network: string;
}

/** The hub's parts the service reads (a Hub satisfies it); the notifier is passed on its own. */
export interface WorkDeps {
	/** This hub process: what its feeder's holds name (feeder.ts). */
	id: string;
	db: Db;
	reach: DatabaseReach;
	config: HubConfig;
	models: ModelCache;
	blobs: BlobStore;
	observe: Observer;
}
