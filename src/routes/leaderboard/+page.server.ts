import { loadLeaderboard } from '$lib/server/volunteers/leaderboard';
import { CreditWindow } from '$lib/protocol/dashboard';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals: { hub } }) => {
	const window = CreditWindow.catch('all').parse(url.searchParams.get('window') ?? 'all');
	return { board: await loadLeaderboard(hub.db, window) };
};
