/**
 * The installable app: web manifest and a workbox service worker, generated at build time by
 * @vite-pwa/sveltekit (generateSW: no hand-written caching for the app shell).
 *
 * - The volunteer page is the app shell. It renders in the browser only (ssr = false), so its HTML is
 *   the same for every visitor and query string; it is precached under `/volunteer` with a revision that
 *   changes with every build, and every navigation to /volunteer is answered from that precache, online
 *   or not. Its hashed scripts and styles are precached beside it.
 * - onnxruntime's WebAssembly (14 MB for the WASM build, 27 MB for the WebGPU one) is cached at run time,
 *   not precached: a volunteer needs only one of the two, precaching both would make every visitor
 *   download ~41 MB before the service worker even installs, and every hub update would hold the new
 *   worker in `installing` until that finished. Their names carry a content hash, so cache-first is never
 *   stale, and a hub update that keeps the same onnxruntime keeps the same URL and costs nothing.
 * - Model files (/blobs/<sha256>) are not the service worker's business: the inference worker keeps
 *   them in its own cache, verified against their sha256 (src/lib/worker/model-cache.ts).
 * - Updates wait (no skipWaiting): the page tells the new worker to take over once no task is running.
 */
import { SvelteKitPWA } from '@vite-pwa/sveltekit';

export const THEME_COLOR = '#0f172a';

export function pwa() {
	return SvelteKitPWA({
		registerType: 'prompt',
		injectRegister: false,
		// The manifest link sits in src/app.html; the page registers the worker itself (src/lib/pwa/).
		manifest: {
			id: '/volunteer',
			name: 'ExoStack volunteer',
			short_name: 'ExoStack',
			description: "Lend this machine's idle compute to AI jobs, right from the browser.",
			start_url: '/volunteer',
			scope: '/',
			display: 'standalone',
			theme_color: THEME_COLOR,
			background_color: THEME_COLOR,
			icons: [
				{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
				{ src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
				{ src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
			]
		},
		kit: {
			// Precache the volunteer shell under its route, revisioned by the build's version.json.
			adapterFallback: 'volunteer',
			spa: { fallbackMapping: '/volunteer' }
		},
		// web-llm's worker chunk (6 MB) stays out of the precache on purpose, like ORT's WebAssembly: only a
		// volunteer that runs a WebLLM task loads it, and then it is cached at run time (below). Over the
		// precache's 2 MiB limit is therefore expected: a warning, not a failed build.
		showMaximumFileSizeToCacheInBytesWarning: true,
		workbox: {
			globPatterns: ['client/**/*.{js,mjs,css,svg,png,webmanifest}'],
			navigateFallback: '/volunteer',
			navigateFallbackAllowlist: [/^\/volunteer\/?(\?.*)?$/],
			cleanupOutdatedCaches: true,
			clientsClaim: true,
			skipWaiting: false,
			runtimeCaching: [
				{
					// Large worker chunks left out of the precache (web-llm); hashed names, so cache-first is safe.
					urlPattern: ({ url, sameOrigin }) => sameOrigin && /^\/_app\/immutable\/workers\/.+\.js$/.test(url.pathname),
					handler: 'CacheFirst',
					options: {
						cacheName: 'exostack-worker-chunks',
						expiration: { maxEntries: 16, purgeOnQuotaError: true },
						cacheableResponse: { statuses: [200] }
					}
				},
				{
					urlPattern: ({ url, sameOrigin }) => sameOrigin && /^\/_app\/immutable\/.+\.wasm$/.test(url.pathname),
					handler: 'CacheFirst',
					options: {
						cacheName: 'exostack-wasm',
						// Two builds (WebGPU, WASM), and the previous onnxruntime's while an update rolls out.
						expiration: { maxEntries: 4, purgeOnQuotaError: true },
						cacheableResponse: { statuses: [200] }
					}
				}
			]
		}
	});
}
