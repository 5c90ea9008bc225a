/** The calls the pages and the CLI make, each with the contract's request and answer types. */
import { z } from 'zod';
import { KeyView, MintedKeyView, type MintKeyRequest } from '../protocol/api-keys';
import type { ProfileUpdate, TeamMembershipUpdate } from '../protocol/profile';
import { TeamMembershipView } from '../protocol/profile';
import { ImagesUploaded, JobCancelled, JobCreated, JobStatusView, ResultLine, TaskRowView } from '../protocol/rest/jobs';
import { ApiRequestError } from './api-request-error';
import { KeyRevoked } from '../protocol/rest/misc';
import { ModelView, type ImportModelRequest } from '../protocol/rest/models';
import { CreditHistoryView, ProfileView, VolunteerRecordView } from '../protocol/rest/volunteers';
import type { HubApi } from './hub-api';

const id = (s: string) => encodeURIComponent(s);

export const submitJob = (api: HubApi, submission: Record<string, unknown>, init: RequestInit = {}) =>
	api.call(JobCreated, '/api/jobs', { ...init, method: 'POST', json: submission });
export const getJob = (api: HubApi, jobId: string) => api.call(JobStatusView, `/api/jobs/${id(jobId)}`);
export const getJobTasks = (api: HubApi, jobId: string) => api.call(z.array(TaskRowView), `/api/jobs/${id(jobId)}/tasks`);
export const cancelJob = (api: HubApi, jobId: string) => api.call(JobCancelled, `/api/jobs/${id(jobId)}/cancel`, { method: 'POST' });
/** The results file as it streams (JSON Lines or CSV). */
export const jobResults = (api: HubApi, jobId: string, format: 'jsonl' | 'csv' | string) =>
	api.send(`/api/jobs/${id(jobId)}/results?format=${encodeURIComponent(format)}`);
/** The first `limit` result lines of a job, each parsed (a line off the contract is an ApiRequestError). */
export async function jobResultLines(api: HubApi, jobId: string, limit: number): Promise<ResultLine[]> {
	const lines = (await (await jobResults(api, jobId, 'jsonl')).text()).split('\n').filter(Boolean).slice(0, limit);
	return lines.map((line, i) => {
		const parsed = ResultLine.safeParse(JSON.parse(line));
		if (!parsed.success) throw new ApiRequestError(200, `result line ${i} does not match the API contract`);
		return parsed.data;
	});
}

/** One image as its own body, or a multipart form of several. */
export const uploadImages = (api: HubApi, body: BodyInit, type?: string) =>
	api.call(ImagesUploaded, '/api/images', { method: 'POST', body, headers: type ? { 'content-type': type } : {} });

export const importModel = (api: HubApi, body: ImportModelRequest) => api.call(ModelView, '/api/models', { method: 'POST', json: body });

export const mintKey = (api: HubApi, body: MintKeyRequest) => api.call(MintedKeyView, '/api/keys', { method: 'POST', json: body });
export const listKeys = (api: HubApi) => api.call(z.array(KeyView), '/api/keys');
export const revokeKey = (api: HubApi, keyId: string) => api.call(KeyRevoked, `/api/keys/${id(keyId)}`, { method: 'DELETE' });

export const getVolunteer = (api: HubApi, volunteerId: string) => api.call(VolunteerRecordView, `/api/volunteers/${id(volunteerId)}`);
export const getVolunteerHistory = (api: HubApi, volunteerId: string, days: number) =>
	api.call(CreditHistoryView, `/api/volunteers/${id(volunteerId)}/history?days=${days}`);
export const setProfile = (api: HubApi, body: z.input<typeof ProfileUpdate>) =>
	api.call(ProfileView, '/api/volunteers/profile', { method: 'POST', json: body });
export const setTeam = (api: HubApi, body: TeamMembershipUpdate) =>
	api.call(TeamMembershipView, '/api/volunteers/team', { method: 'POST', json: body });
