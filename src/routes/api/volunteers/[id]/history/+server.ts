export { showCreditHistory as GET } from '$lib/server/http/profile-routes';
