/**
 * The seed's node API for agents that are not browsers (POST /nodes/register, POST /nodes/{id}/heartbeat),
 * with its field names. Shapes inside `idle_state` and `power_state` were left open by the seed ({...});
 * these are the fields ExoStack reads from them, and it ignores others.
 */
import { z } from 'zod';
import { NODE_ID, NODE_ID_RULE } from './ids';
import { ProofOfWorkSolution } from './proof-of-work';

const NodeId = z.string().regex(NODE_ID, NODE_ID_RULE);

export const NodeRegistration = z.object({
	id: NodeId,
	capabilities: z.array(z.string().max(100)).max(50).default([]),
	laptop_optimized: z.boolean().optional(),
	gpu_available: z.boolean().optional(),
	cores: z.number().int().min(1).max(1024).optional(),
	memory_gb: z.number().positive().max(4096).optional(),
	/** A solved proof-of-work challenge, when the hub asks for one before registering a new node. */
	pow: ProofOfWorkSolution.optional()
});

export const NodeHeartbeat = z.object({
	ready_for_ai: z.boolean().default(true),
	readiness_score: z.number().min(0).max(100).optional(),
	idle_state: z
		.object({
			/** `idle` or `active`; or `is_idle`. */
			state: z.enum(['idle', 'active']).optional(),
			is_idle: z.boolean().optional(),
			idle_seconds: z.number().nonnegative().max(1e9).optional(),
			threshold_seconds: z.number().positive().max(86_400).optional()
		})
		.optional(),
	power_state: z
		.object({
			plugged_in: z.boolean().optional(),
			battery_percent: z.number().min(0).max(100).nullable().optional()
		})
		.optional(),
	pressure: z.enum(['nominal', 'fair', 'serious', 'critical']).nullable().optional()
});
export type NodeHeartbeat = z.infer<typeof NodeHeartbeat>;
