export { showLeaderboard as GET } from '$lib/server/http/profile-routes';
