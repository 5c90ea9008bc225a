export { submit as POST } from '$lib/server/http/job-routes';
