import type { PageServerLoad } from './$types';

/**
 * Only the id: whether the job exists, and everything about it, is its submitter's to know. The page
 * reads it in the browser with the key saved there (job-access.svelte.ts).
 */
export const load: PageServerLoad = async ({ params }) => ({ id: params.id });
