/**
 * Multi-threaded WASM needs SharedArrayBuffer, which a page only gets when cross-origin isolated.
 * These headers must reach every response, the bundled worker scripts under /_app/immutable included,
 * which adapter-node serves before SvelteKit's hooks run: so the server entry sets them as well.
 */
export const crossOriginIsolation = {
	'Cross-Origin-Opener-Policy': 'same-origin',
	'Cross-Origin-Embedder-Policy': 'require-corp',
	'Cross-Origin-Resource-Policy': 'same-origin'
} as const;
