/**
 * `exostack config [--json]`: every setting the hub would start with here, its value and where it came
 * from (environment, the configuration file, default), secrets masked. It reads what the hub reads
 * (the environment and the file in this folder) and needs no running hub; an invalid configuration is
 * reported as the hub would refuse it, so this also checks a file before a restart.
 */
import { configReport } from '../server/config-report';
import { CliError } from './hub-client';
import type { Io } from './commands';

export function configCommand(o: { json: boolean }, io: Io, env: NodeJS.ProcessEnv, cwd = process.cwd()): number {
	let report;
	try {
		report = configReport(env, cwd);
	} catch (e) {
		throw new CliError((e as Error).message);
	}
	if (o.json) {
		io.out.write(`${JSON.stringify(report, null, 2)}\n`);
		return 0;
	}
	io.out.write(`configuration file: ${report.file ?? '(none)'}\n`);
	const width = Math.max(...report.settings.map((s) => s.key.length));
	for (const s of report.settings) {
		const value = s.value === null ? '(not set)' : Array.isArray(s.value) ? s.value.join(',') || '(empty)' : String(s.value);
		io.out.write(`${s.key.padEnd(width)}  ${value}  (${s.source})\n`);
	}
	return 0;
}
