export { listNodes as GET } from '$lib/server/http/node-routes';
