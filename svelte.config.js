import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ out: 'build', precompress: false }),
		// The REST API is called cross-site by scripts and the CLI; the form-CSRF check
		// would only get in the way of JSON clients, and bearer tokens are not ambient credentials.
		csrf: { trustedOrigins: ['*'] }
	}
};
