/** The node views: `GET /api/nodes` (and the seed's `/nodes/ai-readiness`), and the seed's node API's answers. */
import { z } from 'zod';
import { ProofOfWorkChallenge } from '../proof-of-work';
import { Backend, Capabilities, VOLUNTEER_MODES } from '../volunteer';
import { Timestamp } from './common';

const Band = z.enum(['heavy', 'moderate', 'light', 'none']);

/** One node (a volunteer) as the seed listed them; the admin's view only. */
export const NodeView = z.object({
	node_id: z.string(),
	readiness_score: z.number(),
	ready_for_ai: z.boolean().describe("the hub's verdict, not the volunteer's word"),
	idle_state: z
		.object({
			state: z.enum(['active', 'idle']),
			idle_seconds: z.number().int(),
			threshold_seconds: z.number(),
			source: z.enum(['idle-detection', 'page', 'none'])
		})
		.nullable(),
	power_state: z
		.object({
			plugged_in: z.boolean().nullable(),
			battery_percent: z.number().int().nullable(),
			tier: z.string().nullable(),
			max_concurrent_tasks: z.number().int().nullable(),
			max_cpu_percent: z.number().int().nullable(),
			max_memory_percent: z.number().int().nullable()
		})
		.nullable(),
	pressure: z.enum(['nominal', 'fair', 'serious', 'critical']).nullable(),
	band: Band.nullable(),
	mode: z.enum(VOLUNTEER_MODES),
	backend: Backend,
	agent: z.enum(['browser', 'node']),
	cores: z.number().int(),
	device_memory_gb: z.number().nullable(),
	webgpu: z.object({ vendor: z.string(), architecture: z.string() }).nullable(),
	connections: z.number().int(),
	tasks_done: z.number().int(),
	throughput: z.number().nullable(),
	connected_at: Timestamp,
	last_seen_at: Timestamp
});
export type NodeView = z.infer<typeof NodeView>;

/** What anyone may know about the volunteers: counts, never a machine. */
export const NodeSummary = z.object({
	nodes: z.number().int(),
	ready_for_ai: z.number().int(),
	connections: z.number().int(),
	tasks_done: z.number().int(),
	by_backend: z.record(z.string(), z.number().int())
});
export type NodeSummary = z.infer<typeof NodeSummary>;

/** `GET /api/nodes`: the admin gets every node, anyone else the counts. */
export const NodesAnswer = z.union([z.array(NodeView), NodeSummary]);

/** `GET /nodes/{id}/health/detailed`: the list's view plus why the node is (not) ready and what its power tier allows. */
export const NodeDetail = NodeView.extend({
	readiness_threshold: z.number(),
	blockers: z.array(z.string()),
	limits: z.object({ max_concurrent_tasks: z.number().int(), max_model_cost: z.number().nullable() }),
	capabilities: Capabilities
});
export type NodeDetail = z.infer<typeof NodeDetail>;

/** `POST /nodes/register`: the node's token for its heartbeats. */
export const NodeRegistered = z.object({ node_id: z.string(), token: z.string(), heartbeat_seconds: z.number() });
export type NodeRegistered = z.infer<typeof NodeRegistered>;

/** A registration refused for a spent ration (429, with Retry-After). */
export const RegistrationRateLimited = z.object({ error: z.string(), retry_after_ms: z.number() });
/** A registration refused until a proof of work is solved (403): send it back as `pow`. */
export const RegistrationNeedsWork = z.object({ error: z.string(), pow: ProofOfWorkChallenge });

/** `POST /nodes/{id}/heartbeat`: the hub's own verdict on the report. */
export const HeartbeatAnswer = z.object({
	node_id: z.string(),
	readiness_score: z.number(),
	ready_for_ai: z.boolean(),
	band: Band,
	blockers: z.array(z.string())
});
export type HeartbeatAnswer = z.infer<typeof HeartbeatAnswer>;
