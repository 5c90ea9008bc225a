/** The scheduler's request shapes, in a leaf module: the claim and the accept paths each have two modules that read them. */
import type { TaskType } from '../../protocol/models';
import type { Backend, BackendClass } from '../../protocol/volunteer';
import type { Lane } from './interactive-lane';
import type { ClaimRider } from './claim-rider';

export interface ClaimRequest {
	sessionId: string;
	volunteerId: string;
	backendClass: BackendClass;
	slots: number;
	/** Only tasks of these types are leased: what the volunteer's executor can run. */
	taskTypes: TaskType[];
	/** Models this volunteer cannot run (WebLLM models beyond its GPU): their tasks are left for others. */
	excludeModels?: string[];
	leaseMs: number;
	/** The ceiling of a lease's total lifetime (EXOSTACK_LEASE_MAX_SECONDS, lease-deadline.ts); absent: DEFAULT_LEASE_MAX_MS. */
	leaseMaxMs?: number;
	/** Source of randomness for adaptive replication (tests pass a fixed one). */
	random?: () => number;
	/** An idle volunteer may duplicate a job's slow last tasks running longer than this; absent: never. */
	tailMs?: number;
	/** Most leases the session may hold at once, those it holds included (its power tier); absent: no cap. */
	maxHeld?: number;
	/** Most leases the volunteer may hold across all its sessions at once (EXOSTACK_LEASES_PER_VOLUNTEER); absent or 0: no cap. */
	maxPerVolunteer?: number;
	/** Tasks of models costing this much or more are left for volunteers in a higher readiness band. */
	maxCost?: number;
	/** The session's network (networkOf): replicas of a chunk go to distinct networks, leases are capped per network. */
	network?: string;
	/** Separate replicas by network (EXOSTACK_DISTINCT_NETWORKS); needs `network`. */
	distinctNetworks?: boolean;
	/** Most live leases all sessions of `network` may hold together (EXOSTACK_LEASES_PER_NETWORK); absent or 0: no cap. */
	leasesPerNetwork?: number;
	/** Chance that one slot of this claim is a known-answer check (EXOSTACK_SPOT_CHECK_RATE); absent or 0: never. */
	spotCheckRate?: number;
	/**
	 * Ask on a lane (interactive-lane.ts): at most LANE_SLOTS leases of its work only, past `maxHeld`, and
	 * no known-answer check; absent: an ordinary claim.
	 */
	lane?: Lane;
	/** A new interactive job's insert, sent first in this claim's transaction (claim-rider.ts): only on the lane. */
	rider?: ClaimRider;
}

export interface Completion {
	taskId: number;
	leaseToken: string;
	volunteerId: string;
	outputs: unknown[];
	backend: Backend;
	/**
	 * Backend class and model variant (resultClassOf): only results of one result class are compared.
	 * Absent: the lease's (leaseResultClass), which is what the hub always uses, whatever a result says it
	 * ran; specs name one to set up results of several classes.
	 */
	resultClass?: string;
	durationMs: number;
}
