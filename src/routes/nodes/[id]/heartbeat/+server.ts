export { heartbeat as POST } from '$lib/server/http/seed-node-routes';
