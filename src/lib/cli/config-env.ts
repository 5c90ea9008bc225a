/**
 * The CLI finds a local hub's token the way that hub does: where the environment lacks
 * EXOSTACK_API_TOKEN or EXOSTACK_DATA_DIR, the configuration file in this folder may set them, and a
 * hub started here would use its values. They then follow the same rules as the environment's
 * (hub-token.ts: a token goes only to the hub it belongs to).
 */
import { readSettings } from '../server/config';

const FOR_THE_TOKEN = ['EXOSTACK_API_TOKEN', 'EXOSTACK_DATA_DIR'] as const;

export function withConfigFile(env: NodeJS.ProcessEnv, cwd = process.cwd()): NodeJS.ProcessEnv {
	let settings;
	try {
		settings = readSettings(env, cwd);
	} catch {
		// A configuration the hub would refuse adds nothing here; `exostack config` says what is wrong with it.
		return env;
	}
	const fromFile = FOR_THE_TOKEN.filter((key) => settings.sources[key] === 'file').map((key) => [key, String(settings.values[key])]);
	return fromFile.length ? { ...env, ...Object.fromEntries(fromFile) } : env;
}
