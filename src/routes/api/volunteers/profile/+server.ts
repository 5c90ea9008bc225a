export { updateProfile as POST } from '$lib/server/http/profile-routes';
