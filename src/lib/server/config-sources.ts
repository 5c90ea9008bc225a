/**
 * Where each setting's value comes from: the environment over the configuration file over the
 * schema's default. Works over whatever keys the schema has, so a new knob in config.ts is read from
 * the file and listed by `exostack config` with nothing more than its line in the schema.
 */
import { ConfigFileError, findConfigFile, readConfigFile } from './config-file';

export type SettingSource = 'environment' | 'file' | 'default';

export interface GatheredSettings {
	/** What the schema parses: the environment's and the file's values, as text. */
	input: Record<string, string>;
	sources: Record<string, SettingSource>;
	/** The configuration file read, as named to the user; null when there is none. */
	file: string | null;
	/** Lines naming what is wrong before the schema sees anything (keys the schema does not know). */
	problems: string[];
}

export function gatherSettings(keys: readonly string[], env: Record<string, string | undefined>, cwd: string): GatheredSettings {
	const known = new Set(keys);
	const problems: string[] = [];
	let file: string | null = null;
	let fromFile: Record<string, string> = {};
	try {
		file = findConfigFile(env, cwd);
		if (file) fromFile = readConfigFile(file, cwd);
	} catch (e) {
		// Reported with the schema's complaints about the environment, so one run lists every problem.
		if (!(e instanceof ConfigFileError)) throw e;
		problems.push(e.message);
	}
	// A typo in the file must not be silently ignored: the setting it meant would keep its default.
	for (const key of Object.keys(fromFile))
		if (!known.has(key))
			problems.push(
				`${file}: ${key}: unknown setting${key === 'EXOSTACK_CONFIG' ? ' (EXOSTACK_CONFIG names the file; set it in the environment)' : ''}`
			);
	const input: Record<string, string> = {};
	const sources: Record<string, SettingSource> = {};
	for (const key of keys) {
		// Unlike the file, the environment holds everything else too (PATH, HOME): only the schema's keys are read from it.
		if (env[key] !== undefined) [input[key], sources[key]] = [env[key], 'environment'];
		else if (fromFile[key] !== undefined) [input[key], sources[key]] = [fromFile[key], 'file'];
		else sources[key] = 'default';
	}
	return { input, sources, file, problems };
}
