// See https://svelte.dev/docs/kit/types#app.d.ts
import type { IncomingMessage } from 'node:http';
import type { Hub } from '$lib/server/hub';

declare global {
	namespace App {
		interface Error {
			message: string;
		}
		interface Locals {
			/** The hub this process serves (hooks.server.ts): routes reach the database, config and model store through it. */
			hub: Hub;
		}
		interface Platform {
			/** adapter-node's raw request: its peer address and headers, for http/edge/client-address.ts (absent under Vite's dev server). */
			req?: IncomingMessage;
		}
	}
}

export {};
