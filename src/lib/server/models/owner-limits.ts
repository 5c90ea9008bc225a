import type { Db } from '../db';
import { recentModels } from './recent-models';
import type { ModelLimits } from '../../protocol/events';
import { modelRefusal } from '../../protocol/model-downloads';

/**
 * The models a volunteer's owner refuses in this request (the models it serves, the largest download
 * it accepts, on a metered connection none): left out of the claim like models beyond its GPU. Read
 * from a list of models at most a few seconds old; the volunteer checks each lease again
 * (model-downloads.ts), so a model imported since is declined there, before any download.
 */
export async function modelsRefused(db: Db, limits: ModelLimits | undefined): Promise<string[]> {
	if (limits?.only === undefined && limits?.maxDownloadBytes === undefined) return [];
	return (await recentModels(db)).filter((m) => modelRefusal(m, limits) !== null).map((m) => m.id);
}
