export { tasksOfJob as GET } from '$lib/server/http/job-routes';
