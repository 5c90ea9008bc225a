export { submit as POST, list as GET } from '$lib/server/http/job-routes';
