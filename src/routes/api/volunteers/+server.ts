export { rankVolunteers as GET } from '$lib/server/http/volunteer-routes';
