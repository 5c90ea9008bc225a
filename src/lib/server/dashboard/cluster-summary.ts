import type { Db } from '../db';
import type { ClusterSummary, NodeRow } from '../../protocol/dashboard';
import { clusterThroughput } from './cluster-throughput';
import { jobSummaries } from './job-summaries';

/** Nodes named in the task distribution chart; the rest are summed as "others" so the chart stays readable at 1,000 nodes. */
const DISTRIBUTION_SLICES = 12;

export const nodeLabel = (n: Pick<NodeRow, 'id' | 'name'>) => n.name ?? `node ${n.id.slice(0, 8)}`;

/** The dashboard's cluster-wide figures, from the nodes just read and two queries. */
export async function clusterSummary(db: Db, nodes: NodeRow[], now = Date.now()): Promise<ClusterSummary> {
	const [throughput, jobs] = await Promise.all([clusterThroughput(db, now), jobSummaries(db)]);
	return {
		at: now,
		nodes: nodes.length,
		readyNodes: nodes.filter((n) => n.ready).length,
		throughput,
		jobs,
		distribution: distribution(nodes)
	};
}

export function distribution(nodes: NodeRow[]): ClusterSummary['distribution'] {
	const busy = nodes.filter((n) => n.tasks > 0).sort((a, b) => b.tasks - a.tasks || a.id.localeCompare(b.id));
	const named = busy.slice(0, DISTRIBUTION_SLICES).map((n) => ({ name: nodeLabel(n), tasks: n.tasks }));
	const others = busy.slice(DISTRIBUTION_SLICES).reduce((sum, n) => sum + n.tasks, 0);
	return others ? [...named, { name: 'others', tasks: others }] : named;
}
