import { error } from '@sveltejs/kit';
import { getHub } from '$lib/server/runtime';
import { getJobStatus } from '$lib/server/scheduler/job-status';
import type { PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const load: PageServerLoad = async ({ params }) => {
	if (!UUID.test(params.id)) error(404, `no job "${params.id}"`);
	const hub = await getHub();
	const job = await getJobStatus(hub.db, params.id, { withResult: false });
	if (!job) error(404, `no job "${params.id}"`);
	return { job };
};
