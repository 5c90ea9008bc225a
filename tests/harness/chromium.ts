/**
 * Real headless Chromium for end-to-end tests, driven by playwright-core. CHROMIUM_PATH overrides the
 * Debian binary. `webgpu: true` gives it SwiftShader's software WebGPU adapter (a real WebGPU path);
 * without it, requestAdapter() returns null and the volunteer must fall back to WASM.
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

const QUIET = [
	'--no-sandbox',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];
const SWIFTSHADER_WEBGPU = [
	'--enable-unsafe-webgpu',
	'--enable-unsafe-swiftshader',
	'--use-webgpu-adapter=swiftshader',
	'--enable-features=Vulkan'
];

const executablePath = () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = (webgpu: boolean) => (webgpu ? [...QUIET, ...SWIFTSHADER_WEBGPU] : [...QUIET, '--disable-gpu']);

/** `args` are added to the usual flags; `env` replaces Chromium's environment (a HOME with its own NSS database of trusted roots). */
export async function launchChromium(opts: {
	webgpu: boolean;
	args?: string[];
	env?: Record<string, string | undefined>;
}): Promise<Browser> {
	return chromium.launch({ executablePath: executablePath(), args: [...args(opts.webgpu), ...(opts.args ?? [])], env: opts.env });
}

/**
 * A browser with a profile on disk, as a user's is: IndexedDB, Cache Storage and service workers outlive
 * closing it, and reopening the same `userDataDir` is a browser restart. Chromium also only offers to
 * install an app from such a profile (a throwaway context counts as incognito).
 */
export async function launchPersistentChromium(userDataDir: string, opts: { webgpu: boolean }): Promise<BrowserContext> {
	const context = await chromium.launchPersistentContext(userDataDir, { executablePath: executablePath(), args: args(opts.webgpu) });
	// It opens with a blank tab in front. A volunteer tab left behind it answers the WebSocket close
	// handshake only after ws's 30 s timeout, which holds a hub's shutdown that long; tests open their own tabs.
	await Promise.all(context.pages().map((p) => p.close()));
	return context;
}
