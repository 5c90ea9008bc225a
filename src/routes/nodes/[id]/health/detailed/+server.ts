export { healthDetailed as GET } from '$lib/server/http/seed-node-routes';
