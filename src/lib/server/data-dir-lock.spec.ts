import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimDataDir, DataDirBusy, LOCK_FILE } from './data-dir-lock';

const folder = () => mkdtempSync(path.join(tmpdir(), 'exostack-lock-'));

describe('claimDataDir', () => {
	it('lets one claim at a time, and a released folder be claimed again', () => {
		const dir = folder();
		const release = claimDataDir(dir, 'an ExoStack hub');
		expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\\n[0-9a-f-]{36}\\nan ExoStack hub\\n$`));
		expect(() => claimDataDir(dir, 'exostack backup')).toThrow(DataDirBusy);
		expect(() => claimDataDir(dir, 'exostack backup')).toThrow(`${dir} is in use by an ExoStack hub (pid ${process.pid})`);
		release();
		expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
		claimDataDir(dir, 'exostack backup')();
	});

	it('refuses while another live process holds it', async () => {
		const dir = folder();
		const other = spawn('sleep', ['30']);
		await new Promise((r) => other.once('spawn', r));
		try {
			writeFileSync(path.join(dir, LOCK_FILE), `${other.pid}\nsome-id\nan ExoStack hub\n`);
			expect(() => claimDataDir(dir, 'exostack backup')).toThrow(`is in use by an ExoStack hub (pid ${other.pid})`);
		} finally {
			other.kill('SIGKILL');
			await new Promise((r) => other.once('exit', r));
		}
		// Once it is dead (a crashed hub), its claim is taken over.
		const release = claimDataDir(dir, 'exostack backup');
		expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\\n`));
		release();
	});

	it('takes over a claim with its own pid but another process’s id (a restarted container, where the hub is pid 1 every time)', () => {
		const dir = folder();
		writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\nan-earlier-process\nan ExoStack hub\n`);
		const release = claimDataDir(dir, 'an ExoStack hub');
		expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).not.toMatch(/an-earlier-process/);
		release();
		writeFileSync(path.join(dir, LOCK_FILE), 'garbage');
		expect(() => claimDataDir(dir, 'an ExoStack hub')()).not.toThrow();
	});

	it('does not remove a claim that is no longer its own', () => {
		const dir = folder();
		const release = claimDataDir(dir, 'an ExoStack hub');
		writeFileSync(path.join(dir, LOCK_FILE), '1\nsomeone-else\nexostack restore\n');
		release();
		expect(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).toBe('1\nsomeone-else\nexostack restore\n');
	});
});
