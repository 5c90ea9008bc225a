/** The contract of the hub's own endpoints: health, models and their files, admin, webhooks, statistics, cards. */
import { z } from 'zod';
import { AuditEntryView, KeyView, MintedKeyView, MintKeyRequest } from '../api-keys';
import { LivenessView, ReadinessView } from '../health';
import { RegisterWebhookRequest } from '../webhooks';
import { Uuid } from './common';
import { HealthView, KeyRevoked, WebhookCreated, WebhookDeleted, WebhookListItem } from './misc';
import { ImportModelRequest, ModelView } from './models';
import { defineOperations, errors } from './operation';

const Id = z.object({ id: Uuid });
const file = (type: string, description: string) => ({ description, type, schema: z.string() });
const notModified = { 304: { description: 'the copy named by If-None-Match is current' } };

export const HUB_OPERATIONS = defineOperations([
	{
		method: 'get',
		path: '/api/health',
		tag: 'health',
		summary: "The seed's health check",
		auth: 'public',
		responses: { 200: { description: 'the hub has started', schema: HealthView } }
	},
	{
		method: 'get',
		path: '/api/health/live',
		tag: 'health',
		summary: 'Liveness: the event loop turns',
		auth: 'public',
		responses: { 200: { description: 'alive', schema: LivenessView } }
	},
	{
		method: 'get',
		path: '/api/health/ready',
		tag: 'health',
		summary: 'Readiness: whether this hub should get traffic',
		auth: 'public',
		responses: {
			200: { description: 'ready', schema: ReadinessView },
			503: { description: 'not ready, with the reason', schema: ReadinessView }
		}
	},
	{
		method: 'get',
		path: '/openapi.json',
		tag: 'health',
		summary: 'This document: the OpenAPI 3.1 description of the REST API',
		description: 'Read as a page at /docs/api.',
		auth: 'public',
		responses: { 200: { description: 'the document', schema: z.record(z.string(), z.unknown()) } }
	},
	{
		method: 'get',
		path: '/metrics',
		tag: 'health',
		summary: 'Prometheus metrics of this hub process',
		auth: 'public',
		responses: { 200: file('text/plain', 'the Prometheus text exposition format') }
	},
	{
		method: 'get',
		path: '/stats/{file}',
		tag: 'health',
		summary: 'The open statistics, made once per UTC day',
		auth: 'public',
		params: z.object({ file: z.string().describe('`index.json`, or `{users,teams,credit}.{json,csv}.gz`') }),
		responses: {
			200: {
				...file('application/gzip', 'the file'),
				also: { type: 'application/json', schema: z.record(z.string(), z.unknown()), description: 'index.json' }
			},
			...notModified,
			...errors(404)
		}
	},
	{
		method: 'get',
		path: '/api/models',
		tag: 'models',
		summary: 'The models this hub serves',
		auth: 'public',
		responses: { 200: { description: 'the models', schema: z.array(ModelView) } }
	},
	{
		method: 'post',
		path: '/api/models',
		tag: 'models',
		summary: "Import a model from the hub's disk or a Hugging Face repository",
		description: 'An id no job has used may be imported again (replaced); one a job used is immutable (409).',
		auth: 'admin',
		body: { schema: ImportModelRequest, example: { hf: 'Xenova/all-MiniLM-L6-v2' } },
		responses: { 201: { description: 'imported', schema: ModelView }, ...errors(400, 401, 403, 409, 413, 415) }
	},
	{
		method: 'get',
		path: '/api/models/{id}',
		tag: 'models',
		summary: 'One model',
		auth: 'public',
		params: z.object({ id: z.string().describe('may hold slashes (`org/name`)') }),
		responses: { 200: { description: 'the model', schema: ModelView }, ...errors(404) }
	},
	{
		method: 'get',
		path: '/blobs/{sha256}',
		tag: 'models',
		summary: 'A model file by its sha256',
		description: 'Content-addressed: cached forever; one Range per request.',
		auth: 'public',
		params: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
		responses: {
			200: file('application/octet-stream', 'the file'),
			206: file('application/octet-stream', 'the requested range'),
			...notModified,
			...errors(404),
			416: { description: 'the range is outside the file' }
		}
	},
	{
		method: 'get',
		path: '/models/{path}',
		tag: 'models',
		summary: "A model's file in the Hugging Face layout",
		description: '`/models/<id>/resolve/main/<file>`, as WebLLM and other tools that speak the layout fetch it.',
		auth: 'public',
		params: z.object({ path: z.string().describe('`<id>/resolve/<revision>/<file>`, slashes included') }),
		responses: {
			200: file('application/octet-stream', 'the file'),
			206: file('application/octet-stream', 'the requested range'),
			...notModified,
			...errors(404)
		}
	},
	{
		method: 'post',
		path: '/api/keys',
		tag: 'admin',
		summary: "Mint a submitter's API key",
		auth: 'admin',
		body: { schema: MintKeyRequest, example: { name: 'lab-pipeline', quotas: { jobs_per_day: 100 } } },
		responses: { 201: { description: 'the key itself, shown this once', schema: MintedKeyView }, ...errors(400, 401, 403, 413, 415) }
	},
	{
		method: 'get',
		path: '/api/keys',
		tag: 'admin',
		summary: 'The API keys, never the keys themselves',
		auth: 'admin',
		responses: { 200: { description: 'the keys', schema: z.array(KeyView) }, ...errors(401, 403) }
	},
	{
		method: 'delete',
		path: '/api/keys/{id}',
		tag: 'admin',
		summary: 'Revoke an API key',
		auth: 'admin',
		params: Id,
		responses: { 200: { description: 'revoked', schema: KeyRevoked }, ...errors(401, 403, 404) }
	},
	{
		method: 'get',
		path: '/api/audit',
		tag: 'admin',
		summary: 'The audit log, oldest first',
		auth: 'admin',
		query: z.object({
			after: z.number().int().min(0).default(0).optional(),
			limit: z.number().int().min(1).max(1000).default(100).optional()
		}),
		responses: { 200: { description: 'the entries', schema: z.array(AuditEntryView) }, ...errors(400, 401, 403) }
	},
	{
		method: 'post',
		path: '/api/backup',
		tag: 'admin',
		summary: "A backup of this hub's data, while it runs",
		auth: 'admin',
		responses: { 200: file('application/gzip', 'the archive (tar.gz)'), ...errors(401, 403, 409) }
	},
	{
		method: 'post',
		path: '/api/webhooks',
		tag: 'webhooks',
		summary: 'Register a webhook',
		description: 'Deliveries are signed per the Standard Webhooks spec with the secret in the answer, shown this once.',
		auth: 'key',
		body: {
			schema: RegisterWebhookRequest,
			example: { url: 'https://example.com/hooks/exostack', events: ['job.completed', 'job.failed'] }
		},
		responses: { 201: { description: 'registered', schema: WebhookCreated }, ...errors(400, 401, 409, 413, 415) }
	},
	{
		method: 'get',
		path: '/api/webhooks',
		tag: 'webhooks',
		summary: "The caller's webhooks (the admin's: all), without secrets",
		auth: 'key',
		responses: { 200: { description: 'the webhooks', schema: z.array(WebhookListItem) }, ...errors(401) }
	},
	{
		method: 'delete',
		path: '/api/webhooks/{id}',
		tag: 'webhooks',
		summary: 'Delete a webhook, its pending deliveries included',
		auth: 'key',
		params: Id,
		responses: { 200: { description: 'deleted', schema: WebhookDeleted }, ...errors(401, 404) }
	},
	{
		method: 'get',
		path: '/teams/{id}/card.svg',
		tag: 'volunteers',
		summary: "A team's card: name, members, credit, rank",
		auth: 'public',
		params: Id,
		responses: { 200: file('image/svg+xml', 'the card'), 404: file('text/plain', 'no such team') }
	},
	{
		method: 'get',
		path: '/volunteers/{id}/card.svg',
		tag: 'volunteers',
		summary: "A volunteer's card: name, team, credit, rank, milestones",
		auth: 'public',
		params: z.object({ id: z.string() }),
		responses: { 200: file('image/svg+xml', 'the card'), 404: file('text/plain', 'no such volunteer') }
	}
]);
