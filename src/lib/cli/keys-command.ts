/** `exostack keys create|list|revoke`: the admin's management of submitters' API keys (needs the admin token). */
import { listKeys, mintKey, revokeKey } from '../api-client/endpoints';
import { CliError, type HubClient } from './hub-client';
import type { Io } from './commands';

export interface KeysOptions {
	action: string | undefined;
	arg: string | undefined;
	jobsPerDay?: number;
	inputsPerDay?: number;
	json: boolean;
}

const USAGE = 'usage: exostack keys create <name> [--jobs-per-day n] [--inputs-per-day n] | keys list | keys revoke <key-id>';

export async function keys(client: HubClient, o: KeysOptions, io: Io): Promise<number> {
	switch (o.action) {
		case 'create': {
			if (!o.arg) throw new CliError(USAGE, 2);
			const quotas = Object.fromEntries(
				Object.entries({ jobs_per_day: o.jobsPerDay, inputs_per_day: o.inputsPerDay }).filter(([, v]) => v !== undefined)
			);
			const name = o.arg;
			const minted = await client.use((api) => mintKey(api, { name, ...(Object.keys(quotas).length ? { quotas } : {}) }));
			if (o.json) io.out.write(`${JSON.stringify(minted)}\n`);
			else io.out.write(`${minted.key}\n`);
			io.err.write(`exostack: key "${minted.name}" (id ${minted.id}); it is shown this once: keep it now\n`);
			return 0;
		}
		case 'list': {
			const listed = await client.use(listKeys);
			if (o.json) io.out.write(`${JSON.stringify(listed, null, 2)}\n`);
			else
				for (const k of listed)
					io.out.write(
						`${k.id}  ${k.prefix}…  ${k.name}  ${k.revoked_at ? `revoked ${k.revoked_at}` : `last used ${k.last_used_at ?? 'never'}`}  ` +
							`${k.usage.jobs_last_day} jobs / ${k.usage.inputs_last_day} inputs in the last day\n`
					);
			return 0;
		}
		case 'revoke': {
			if (!o.arg) throw new CliError(USAGE, 2);
			const keyId = o.arg;
			await client.use((api) => revokeKey(api, keyId));
			io.out.write(`revoked ${o.arg}\n`);
			return 0;
		}
		default:
			throw new CliError(USAGE, 2);
	}
}
