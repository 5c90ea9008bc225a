/**
 * The Content-Security-Policy of every response, in SvelteKit's `kit.csp.directives` form (keywords
 * unquoted). svelte.config.js hands it to SvelteKit, which adds the hash of its inline bootstrap script
 * to `script-src` on each page; the server entry sends it as is on every other response (assets, API,
 * model files, the service worker and the inference worker, whose own policy comes from their response).
 * Plain JavaScript because svelte.config.js imports it before anything compiles TypeScript.
 *
 * - `script-src 'self' 'wasm-unsafe-eval'`: our bundles only; WebAssembly compilation for onnxruntime-web
 *   and WebLLM, without `'unsafe-eval'` (no eval, no new Function).
 * - `style-src 'unsafe-inline'`: Svelte writes `style="…"` attributes; CSS injection is the lesser risk,
 *   and SvelteKit adds no style hashes when this is present (a hash would disable 'unsafe-inline').
 * - `img-src data: blob:`: image previews and icons made in the page.
 * - `connect-src 'self'`: fetches, model downloads and the Socket.IO WebSocket go to this hub only.
 * - `worker-src 'self'`: the inference worker and onnxruntime's thread workers are our own scripts.
 * - `frame-ancestors 'none'`: no page may frame the hub (clickjacking of the cancel and submit forms).
 *
 * @type {NonNullable<NonNullable<import('@sveltejs/kit').KitConfig['csp']>['directives']>}
 */
export const cspDirectives = {
	'default-src': ['self'],
	'script-src': ['self', 'wasm-unsafe-eval'],
	'style-src': ['self', 'unsafe-inline'],
	'img-src': ['self', 'data:', 'blob:'],
	'font-src': ['self'],
	'connect-src': ['self'],
	'worker-src': ['self'],
	'manifest-src': ['self'],
	'object-src': ['none'],
	'base-uri': ['self'],
	'form-action': ['self'],
	'frame-ancestors': ['none']
};
