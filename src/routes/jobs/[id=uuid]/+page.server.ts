import { error } from '@sveltejs/kit';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals: { hub } }) => {
	const job = await getJobStatus(hub.db, params.id, { withResult: false, distinctNetworks: hub.config.trust.distinctNetworks });
	if (!job) error(404, `no job "${params.id}"`);
	return { job };
};
