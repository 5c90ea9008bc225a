export { cancel as POST } from '$lib/server/http/job-routes';
