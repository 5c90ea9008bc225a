/** The contract of the volunteers' and nodes' endpoints: credit, profiles, teams, and the seed's node API. */
import { z } from 'zod';
import { CREDIT_WINDOWS } from '../dashboard';
import { TeamMembershipUpdate, TeamMembershipView, ProfileUpdate } from '../profile';
import { NodeHeartbeat, NodeRegistration } from '../seed-nodes';
import { defineOperations, errors } from './operation';
import { CreditHistoryView, LeaderboardView, ProfileView, RankedVolunteerRow, VolunteerRecordView } from './volunteers';
import { HeartbeatAnswer, NodeDetail, NodeRegistered, NodesAnswer, RegistrationNeedsWork, RegistrationRateLimited } from './nodes';

const Window = z.enum(CREDIT_WINDOWS).default('all').optional();
const VolunteerId = z.object({ id: z.string().describe("a volunteer's (node's) id") });

const nodes = (path: string, tag: 'nodes' | 'seed') =>
	({
		method: 'get',
		path,
		tag,
		summary: 'The connected volunteers',
		description: 'With the admin token, one entry per node as the seed listed them; for anyone else, counts only.',
		auth: 'optional',
		responses: { 200: { description: 'nodes (admin) or counts (anyone)', schema: NodesAnswer } }
	}) as const;

export const PEOPLE_OPERATIONS = defineOperations([
	{
		method: 'get',
		path: '/api/volunteers',
		tag: 'volunteers',
		summary: 'Volunteers ranked by validated credit',
		auth: 'public',
		query: z.object({ window: Window, limit: z.number().int().min(1).max(1000).default(100).optional() }),
		responses: { 200: { description: 'the ranking', schema: z.array(RankedVolunteerRow) }, ...errors(400) }
	},
	{
		method: 'get',
		path: '/api/volunteers/{id}',
		tag: 'volunteers',
		summary: "One volunteer's credit and validation record",
		auth: 'public',
		params: VolunteerId,
		responses: { 200: { description: 'the volunteer', schema: VolunteerRecordView }, ...errors(404) }
	},
	{
		method: 'get',
		path: '/api/volunteers/{id}/history',
		tag: 'volunteers',
		summary: 'Credit per day with the running total',
		auth: 'public',
		params: VolunteerId,
		query: z.object({ days: z.number().int().min(1).max(365).default(30).optional() }),
		responses: {
			200: { description: '`[day start (epoch ms), credit that day, cumulative]`, oldest first', schema: CreditHistoryView },
			...errors(400, 404)
		}
	},
	{
		method: 'post',
		path: '/api/volunteers/profile',
		tag: 'volunteers',
		summary: 'Choose a display name and team',
		description: 'The volunteer proves who it is with the identity the hub signed for it (volunteers have no API key).',
		auth: 'identity',
		body: { schema: ProfileUpdate, example: { identity: '<signed identity>', display_name: 'Ada', team: 'Red Pandas' } },
		responses: { 200: { description: 'saved', schema: ProfileView }, ...errors(400, 403, 404, 413, 415) }
	},
	{
		method: 'post',
		path: '/api/volunteers/team',
		tag: 'volunteers',
		summary: 'Join a team by id, or leave (team_id null)',
		auth: 'identity',
		body: { schema: TeamMembershipUpdate },
		responses: { 200: { description: 'the team the volunteer is now in', schema: TeamMembershipView }, ...errors(400, 403, 404, 413, 415) }
	},
	{
		method: 'get',
		path: '/api/leaderboard',
		tag: 'volunteers',
		summary: 'Volunteers and teams ranked by validated credit',
		auth: 'public',
		query: z.object({ window: Window }),
		responses: { 200: { description: 'the leaderboard', schema: LeaderboardView }, ...errors(400) }
	},
	nodes('/api/nodes', 'nodes'),
	nodes('/nodes/ai-readiness', 'seed'),
	{
		method: 'post',
		path: '/nodes/register',
		tag: 'nodes',
		summary: 'Register a node (an agent that is not a browser)',
		description: "A new id is a new identity, rationed per network; registering a taken id again needs that node's token.",
		auth: 'public',
		body: { schema: NodeRegistration, example: { id: 'node-1a2b3c4d', capabilities: ['embedding'], cores: 8, memory_gb: 16 } },
		responses: {
			201: { description: "the node's token for its heartbeats", schema: NodeRegistered },
			403: { description: 'solve this proof of work and send it as `pow`', schema: RegistrationNeedsWork },
			429: { description: "this network's ration of new identities is spent", schema: RegistrationRateLimited },
			...errors(400, 401, 413, 415)
		}
	},
	{
		method: 'post',
		path: '/nodes/{id}/heartbeat',
		tag: 'nodes',
		summary: "Report a node's readiness",
		description: 'The hub scores the report with the same function as for browsers and answers its own verdict.',
		auth: 'node',
		params: VolunteerId,
		body: {
			schema: NodeHeartbeat,
			example: { ready_for_ai: true, idle_state: { state: 'idle', idle_seconds: 600 }, power_state: { plugged_in: true } }
		},
		responses: { 200: { description: "the hub's verdict", schema: HeartbeatAnswer }, ...errors(400, 401, 404, 413, 415) }
	},
	{
		method: 'get',
		path: '/nodes/{id}/health/detailed',
		tag: 'nodes',
		summary: 'One node in detail: why it is (not) ready, what its power tier allows',
		auth: 'node',
		params: VolunteerId,
		responses: { 200: { description: 'the node', schema: NodeDetail }, ...errors(401, 404) }
	}
]);
