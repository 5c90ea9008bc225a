import { sveltekit } from '@sveltejs/kit/vite';
import { playwright } from '@vitest/browser-playwright';
import { pwa } from './pwa.config.ts';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** In `vite dev`, Socket.IO attaches to Vite's own HTTP server, as server.js does in production. */
function realtimeInDev(): Plugin {
	return {
		name: 'exostack-realtime',
		// Not under vitest: its browser project serves the specs from a dev server, which needs no hub.
		apply: (_, env) => env.command === 'serve' && !process.env.VITEST,
		async configureServer(server) {
			if (!server.httpServer) return;
			const { runtime } = await server.ssrLoadModule('/src/lib/server/runtime.ts');
			await runtime().attach(server.httpServer);
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), pwa(), realtimeInDev()],
	// ES module workers can split: web-llm (6 MB) and each onnxruntime-web build load only when a task needs them.
	worker: { format: 'es' },
	server: {
		headers: {
			'Cross-Origin-Opener-Policy': 'same-origin',
			'Cross-Origin-Embedder-Policy': 'require-corp'
		}
	},
	test: {
		// A test that asserts nothing cannot fail: vitest fails it instead.
		expect: { requireAssertions: true },
		// Test files run two at a time. vitest's default is availableParallelism() - 1, one worker on this
		// 2-core machine (and CI's), which ran the 159 files one after another in 23 to 26 minutes although the
		// e2e files spend much of their time waiting on the hubs, Chromium and PostgreSQL they start. Every e2e
		// file takes its own free ports, temporary folders and databases (tests/harness), so they can share the
		// machine. Three at a time was faster (12-14 min) but left the suite CPU-bound, and two browser files
		// (browser-volunteers' WebGPU/WASM comparison, hidden-tab) then failed in one run of two; two at a time
		// keeps a core's worth of slack for the timing assertions (readiness's yield within a second, the
		// dashboard's 100 ms tasks, http-edge's timeouts). Should one turn flaky, move it to a project of its
		// own with maxWorkers: 1 and a later sequence.groupOrder rather than widen its bound.
		maxWorkers: 2,
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['src/**/*.spec.ts'],
					exclude: ['src/**/*.svelte.spec.ts'],
					environment: 'node',
					testTimeout: 60_000,
					hookTimeout: 60_000
				}
			},
			{
				// The page's state classes (*.svelte.ts) in real Chromium: their runes, and the browser APIs they read.
				extends: true,
				test: {
					name: 'browser',
					include: ['src/**/*.svelte.spec.ts'],
					browser: {
						enabled: true,
						headless: true,
						// Debian's Chromium (playwright cannot download its own here); CHROMIUM_PATH overrides it, as in tests/harness/chromium.ts.
						provider: playwright({
							launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] }
						}),
						instances: [{ browser: 'chromium' }]
					}
				}
			},
			{
				// Type tests (`*.test-d.ts`, the protocol's among them): checked by the compiler, never run. In the
				// default run, so a protocol change that breaks its pinned shape fails `npm test`.
				extends: true,
				test: {
					name: 'types',
					include: [],
					typecheck: { enabled: true, only: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' }
				}
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					include: ['tests/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/harness/build-check.ts'],
					testTimeout: 300_000,
					hookTimeout: 120_000
				}
			}
		]
	}
});
