import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { cspDirectives } from './src/lib/server/http/edge/csp-directives.js';

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ out: 'build', precompress: false }),
		// The REST API is called cross-site by scripts and the CLI; the form-CSRF check
		// would only get in the way of JSON clients, and bearer tokens are not ambient credentials.
		csrf: { trustedOrigins: ['*'] },
		// Every page's CSP header: our directives plus the sha256 of SvelteKit's inline bootstrap script.
		// Hashes, not nonces: the service worker serves the precached volunteer page with its stored
		// headers, and a hash stays true of the same HTML where a per-response nonce would be replayed.
		csp: { mode: 'hash', directives: cspDirectives }
	}
};
