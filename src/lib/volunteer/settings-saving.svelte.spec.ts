/** In real Chromium, whose IndexedDB (through idb-keyval) keeps the owner's settings. */
import { del } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, saveSettings } from './settings-store';

describe('saving settings', () => {
	beforeEach(() => del('exostack:settings'));

	it('keeps both of two changes saved at once: the second does not write over the first with what it read before', async () => {
		const first = saveSettings({ mode: 'paused' });
		const second = saveSettings({ maxTasks: 3 });
		await Promise.all([first, second]);
		const settings = await loadSettings(new URLSearchParams());
		expect(settings.mode).toBe('paused');
		expect(settings.maxTasks).toBe(3);
	});

	it('lets the last of several changes to one setting win', async () => {
		await Promise.all([1, 2, 4].map((maxTasks) => saveSettings({ maxTasks })));
		expect((await loadSettings(new URLSearchParams())).maxTasks).toBe(4);
	});
});
