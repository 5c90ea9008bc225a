import { existsSync } from 'node:fs';

/** End-to-end tests run the production build; `npm test` builds first. */
export default function setup() {
	if (!existsSync('build/handler.js'))
		throw new Error('no production build: run `npm run build` (npm test does) before the end-to-end tests');
}
