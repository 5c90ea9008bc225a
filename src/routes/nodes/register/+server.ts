export { register as POST } from '$lib/server/http/seed-node-routes';
