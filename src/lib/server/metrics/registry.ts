/**
 * Prometheus metrics for this hub process (prom-client: the standard Node client, with the process's
 * default metrics such as event-loop lag and memory). Scraped at GET /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'exostack_' });

export const metrics = {
	volunteerSockets: new Gauge({
		name: 'exostack_volunteer_sockets',
		help: 'Volunteer connections open on this hub process',
		registers: [registry]
	}),
	jobsSubmitted: new Counter({ name: 'exostack_jobs_submitted_total', help: 'Jobs submitted to this hub process', registers: [registry] }),
	jobsFinished: new Counter({
		name: 'exostack_jobs_finished_total',
		help: 'Jobs that reached a final state, by status (completed, failed, cancelled), as seen by this hub process',
		labelNames: ['status'] as const,
		registers: [registry]
	}),
	leaseExpiries: new Counter({
		name: 'exostack_lease_expiries_total',
		help: 'Leases that expired (their volunteer went silent, or the hub was out of reach), swept by this hub process',
		registers: [registry]
	}),
	taskFailures: new Counter({
		name: 'exostack_task_failures_total',
		help: 'Tasks whose volunteer reported it could not compute them, on this hub process',
		registers: [registry]
	}),
	leases: new Counter({ name: 'exostack_leases_total', help: 'Tasks leased by this hub process', registers: [registry] }),
	results: new Counter({
		name: 'exostack_results_total',
		help: 'Results received by this hub process, by outcome',
		labelNames: ['outcome'] as const,
		registers: [registry]
	}),
	claimSeconds: new Histogram({
		name: 'exostack_claim_seconds',
		help: 'Time to answer a task request (the claim transaction), seconds',
		buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
		registers: [registry]
	}),
	completeSeconds: new Histogram({
		name: 'exostack_complete_seconds',
		help: 'Time to store and validate a result, seconds',
		buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
		registers: [registry]
	}),
	blobBytesSent: new Counter({
		name: 'exostack_blob_bytes_sent_total',
		help: 'Model file bytes sent, by file sha256',
		labelNames: ['sha256'] as const,
		registers: [registry]
	}),
	blobResponses: new Counter({
		name: 'exostack_blob_responses_total',
		help: 'Model file responses, by file sha256 and HTTP status',
		labelNames: ['sha256', 'status'] as const,
		registers: [registry]
	})
};
