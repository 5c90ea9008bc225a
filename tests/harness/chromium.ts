/**
 * Real headless Chromium for end-to-end tests, driven by playwright-core. CHROMIUM_PATH overrides the
 * Debian binary. `webgpu: true` gives it SwiftShader's software WebGPU adapter (a real WebGPU path);
 * without it, requestAdapter() returns null and the volunteer must fall back to WASM.
 */
import { chromium, type Browser } from 'playwright-core';

const QUIET = [
	'--no-sandbox',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];
const SWIFTSHADER_WEBGPU = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'];

export async function launchChromium(opts: { webgpu: boolean }): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: opts.webgpu ? [...QUIET, ...SWIFTSHADER_WEBGPU] : [...QUIET, '--disable-gpu']
	});
}
