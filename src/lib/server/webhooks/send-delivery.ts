import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { checkWebhookUrl, refusedAddress, type UrlRules } from './url-guard';

/** How long a receiver has to answer; its body is never read. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface Signed {
	id: string;
	secret: string;
	url: string;
	payload: Record<string, unknown>;
}

export type SendOutcome = { ok: true; status: number } | { ok: false; error: string };

/**
 * The address check again, inside the connection's own DNS lookup: the socket connects to exactly the
 * addresses that were checked, so a name that resolves to a public address for the check and to a private
 * one a moment later (DNS rebinding) cannot slip through between the two.
 */
function guardedLookup(rules: UrlRules): LookupFunction {
	return (hostname, options, callback) => {
		dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
			if (err) return callback(err, '', 0);
			const problem = addresses.map((a) => refusedAddress(a.address, rules)).find((p) => p !== null);
			if (problem) return callback(new Error(problem), '', 0);
			if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
			callback(null, addresses[0].address, addresses[0].family);
		});
	};
}

/**
 * Signs a delivery per Standard Webhooks (the `standardwebhooks` package, which receivers verify with) and
 * POSTs it once. Only a 2xx counts; redirects are not followed (a 3xx is a failure), and the response body
 * is not read, so a receiver can neither steer the hub elsewhere nor make it buffer an answer.
 */
export async function sendDelivery(d: Signed, rules: UrlRules, now = new Date()): Promise<SendOutcome> {
	let url: URL;
	try {
		url = await checkWebhookUrl(d.url, rules);
	} catch (e) {
		return { ok: false, error: `refused: ${(e as Error).message}` };
	}
	const body = JSON.stringify(d.payload);
	const signature = new Webhook(d.secret).sign(d.id, now, body);
	const headers = {
		'content-type': 'application/json',
		'content-length': String(Buffer.byteLength(body)),
		'user-agent': 'ExoStack-Webhooks',
		'webhook-id': d.id,
		'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
		'webhook-signature': signature
	};
	const client = url.protocol === 'https:' ? https : http;
	return new Promise((resolve) => {
		const req = client.request(url, { method: 'POST', headers, lookup: guardedLookup(rules), timeout: DELIVERY_TIMEOUT_MS }, (res) => {
			const status = res.statusCode ?? 0;
			res.destroy();
			resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, error: `the receiver answered ${status}` });
		});
		req.on('timeout', () => req.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`)));
		req.on('error', (err) => resolve({ ok: false, error: err.message }));
		req.end(body);
	});
}
