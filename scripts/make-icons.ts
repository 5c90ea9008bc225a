// Renders the app icons (static/icons/*.png) from static/favicon.svg with the same Chromium the tests use,
// so the installed app's icon is the favicon, pixel for pixel. Run after changing the favicon:
//   npx tsx scripts/make-icons.ts
// The maskable icon fills the whole square with the background colour and keeps the mark well inside
// the 80 % safe circle, so any launcher mask (circle, squircle) leaves it whole.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const svg = readFileSync('static/favicon.svg', 'utf8');
const background = /<rect[^>]*fill="([^"]+)"/.exec(svg)?.[1] ?? '#0f172a';
const mark = svg
	.replace(/^<svg[^>]*>/, '')
	.replace(/<\/svg>\s*$/, '')
	.replace(/<rect[^>]*\/>/, '');
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="${background}"/><g transform="translate(6.4 6.4) scale(0.8)">${mark}</g></svg>`;

const icons = [
	{ file: 'static/icons/icon-192.png', size: 192, svg },
	{ file: 'static/icons/icon-512.png', size: 512, svg },
	{ file: 'static/icons/icon-maskable-512.png', size: 512, svg: maskable },
	{ file: 'static/icons/apple-touch-icon-180.png', size: 180, svg: maskable }
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
	for (const icon of icons) {
		const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
		const html = `<style>html,body{margin:0;background:transparent}svg{display:block;width:${icon.size}px;height:${icon.size}px}</style>${icon.svg}`;
		await page.setContent(html);
		await page.screenshot({ path: icon.file, omitBackground: true });
		await page.close();
		console.log(`wrote ${icon.file}`);
	}
} finally {
	await browser.close();
}
