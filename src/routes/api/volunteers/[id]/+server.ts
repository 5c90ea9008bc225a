export { showVolunteer as GET } from '$lib/server/http/volunteer-routes';
