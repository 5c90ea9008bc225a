import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** In `vite dev`, Socket.IO attaches to Vite's own HTTP server, as server.js does in production. */
function realtimeInDev(): Plugin {
	return {
		name: 'exostack-realtime',
		apply: 'serve',
		async configureServer(server) {
			if (!server.httpServer) return;
			const { runtime } = await server.ssrLoadModule('/src/lib/server/runtime.ts');
			await runtime().attach(server.httpServer);
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), realtimeInDev()],
	server: {
		headers: {
			'Cross-Origin-Opener-Policy': 'same-origin',
			'Cross-Origin-Embedder-Policy': 'require-corp'
		}
	},
	test: {
		include: ['src/**/*.spec.ts'],
		environment: 'node',
		testTimeout: 30_000
	}
});
