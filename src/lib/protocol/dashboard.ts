/**
 * What the hub pushes to /dashboard and /leaderboard pages over the /dashboard namespace. The hub
 * sends summaries at a bounded rate (a few a second at most), never one event per task, so a page
 * with 1,000 nodes stays smooth.
 */
import { z } from 'zod';
import type { Backend, VolunteerMode } from './volunteer';
import type { JobStatus, PriorityName } from './jobs';
import type { Achievements } from '../recognition/milestones';

export const CREDIT_WINDOWS = ['24h', '7d', 'all'] as const;
export const CreditWindow = z.enum(CREDIT_WINDOWS);
export type CreditWindow = z.infer<typeof CreditWindow>;
export const CREDIT_WINDOW_MS: Record<CreditWindow, number | null> = { '24h': 86_400_000, '7d': 7 * 86_400_000, all: null };

export type ReadinessBand = 'heavy' | 'moderate' | 'light' | 'none';
/**
 * One connected volunteer as the public dashboard shows it. Never its owner's presence (idle or in use)
 * or its battery: anyone may watch this page, and those say when someone is away from their machine.
 * The volunteer's own page shows its own; the admin reads them at GET /api/nodes.
 */
export interface NodeRow {
	id: string;
	name: string | null;
	score: number;
	band: ReadinessBand;
	ready: boolean;
	mode: VolunteerMode;
	backend: Backend;
	agent: 'browser' | 'node';
	/** Tasks leased to it now, and inputs per second over its recent tasks. */
	tasks: number;
	throughput: number | null;
	tasksDone: number;
	connections: number;
	connectedAt: number;
}

export interface JobSummary {
	id: string;
	status: JobStatus;
	model: string;
	priority: PriorityName;
	done: number;
	total: number;
	/** Chunks accepted and chunks given up on (their errors are on the job page). */
	tasksDone: number;
	tasksDead: number;
	tasksTotal: number;
	startedAt: number | null;
	finishedAt: number | null;
	/** Seconds left at the job's rate so far; null before it has a rate or once it ended. */
	etaSeconds: number | null;
}

export interface ClusterSummary {
	at: number;
	nodes: number;
	readyNodes: number;
	/** Inputs completed per bucket over the last minutes, oldest first: [bucket start (epoch ms), inputs/s]. */
	throughput: [number, number][];
	jobs: JobSummary[];
	/** Tasks leased now, by node, busiest first (the rest summed as "others"). */
	distribution: { name: string; tasks: number }[];
}

/** Node changes since the last delta; a page that just subscribed gets every node in `upsert` and `reset: true`. */
export interface NodesDelta {
	reset: boolean;
	upsert: NodeRow[];
	remove: string[];
}

export interface RankedVolunteer {
	rank: number;
	id: string;
	name: string | null;
	team: string | null;
	teamId: string | null;
	credit: number;
	results: number;
	/** All-time, whatever the window: what its milestones are earned from (recognition/milestones.ts). */
	achievements: Achievements;
}

export interface RankedTeam {
	rank: number;
	id: string;
	name: string;
	members: number;
	credit: number;
}

export interface Leaderboard {
	window: CreditWindow;
	volunteers: RankedVolunteer[];
	teams: RankedTeam[];
	/** Changes whenever credit is granted (see ledgerVersion): tells whether anything moved. */
	version: string;
}

/** A volunteer's credit per day, oldest first: [day start (epoch ms), credit that day, cumulative]. */
export type CreditHistory = [number, number, number][];

export const SubscribeLeaderboard = z.object({ window: CreditWindow });
