/**
 * A headless volunteer as a server owner runs it (`exostack volunteer`, a separate process computing
 * with onnxruntime-node through the shared executor), for end-to-end tests that need real work done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { tempDir } from './hub-process';

export interface CliVolunteer {
	child: ChildProcess;
	output(): string;
	/** SIGTERM and wait for the exit code. */
	stop(): Promise<number | null>;
}

export function startCliVolunteer(hubUrl: string, identityFile = path.join(tempDir(), 'identity')): CliVolunteer {
	const child = spawn(
		process.execPath,
		['bin/exostack.js', 'volunteer', '--hub', hubUrl, '--identity-file', identityFile, '--threads', '1'],
		{
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	let output = '';
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return {
		child,
		output: () => output,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			return exited;
		}
	};
}
