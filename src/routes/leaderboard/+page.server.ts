import { getHub } from '$lib/server/runtime';
import { loadLeaderboard } from '$lib/server/volunteers/leaderboard';
import { CreditWindow } from '$lib/protocol/dashboard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
	const hub = await getHub();
	const window = CreditWindow.catch('all').parse(url.searchParams.get('window') ?? 'all');
	return { board: await loadLeaderboard(hub.db, window) };
};
