export { status as GET } from '$lib/server/http/job-routes';
