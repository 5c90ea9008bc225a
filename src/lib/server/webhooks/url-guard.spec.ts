import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, MAX_WEBHOOK_URL_CHARS, refusedAddress } from './url-guard';

const strict = { allowHttp: false, allowPrivate: false };
const resolvesTo =
	(...addresses: string[]) =>
	async () =>
		addresses;

describe('refusedAddress', () => {
	it.each([
		['127.0.0.1', 'loopback'],
		['10.1.2.3', 'private'],
		['172.16.0.1', 'private'],
		['192.168.1.1', 'private'],
		['169.254.169.254', 'linkLocal'],
		['100.64.0.1', 'carrierGradeNat'],
		['0.0.0.0', 'unspecified'],
		['::1', 'loopback'],
		['[::1]', 'loopback'],
		['fd00::1', 'uniqueLocal'],
		['fe80::1%eth0', 'linkLocal'],
		['::ffff:127.0.0.1', 'loopback'],
		['::ffff:169.254.169.254', 'linkLocal'],
		['224.0.0.1', 'multicast']
	])('refuses %s (%s)', (address, range) => {
		expect(refusedAddress(address, strict)).toContain(range);
	});

	it('allows public unicast addresses', () => {
		expect(refusedAddress('93.184.215.14', strict)).toBeNull();
		expect(refusedAddress('2606:4700::6810:85e5', strict)).toBeNull();
	});

	it('allows anything when the operator allows private addresses', () => {
		expect(refusedAddress('127.0.0.1', { allowHttp: false, allowPrivate: true })).toBeNull();
	});
});

describe('checkWebhookUrl', () => {
	it('refuses a host name that resolves to a private address, and one with any private address among public ones', async () => {
		await expect(checkWebhookUrl('https://hooks.example/x', strict, resolvesTo('10.0.0.7'))).rejects.toThrow(/private/);
		await expect(checkWebhookUrl('https://hooks.example/x', strict, resolvesTo('93.184.215.14', '127.0.0.1'))).rejects.toThrow(/loopback/);
		await expect(checkWebhookUrl('https://hooks.example/x', strict, resolvesTo('93.184.215.14'))).resolves.toBeInstanceOf(URL);
	});

	it('refuses localhost through the system resolver', async () => {
		await expect(checkWebhookUrl('https://localhost:8443/hook', strict)).rejects.toThrow(/loopback/);
	});

	it('refuses literal private addresses without resolving', async () => {
		for (const url of ['https://127.0.0.1/', 'https://169.254.169.254/latest/meta-data', 'https://[::1]:8080/', 'https://10.2.3.4/'])
			await expect(checkWebhookUrl(url, strict, resolvesTo('93.184.215.14'))).rejects.toThrow(/may not reach/);
	});

	it('wants https unless http is allowed', async () => {
		await expect(checkWebhookUrl('http://hooks.example/', strict, resolvesTo('93.184.215.14'))).rejects.toThrow(/https/);
		await expect(
			checkWebhookUrl('http://hooks.example/', { ...strict, allowHttp: true }, resolvesTo('93.184.215.14'))
		).resolves.toBeInstanceOf(URL);
		await expect(checkWebhookUrl('ftp://hooks.example/', { ...strict, allowHttp: true }, resolvesTo('93.184.215.14'))).rejects.toThrow(
			/http/
		);
	});

	it('refuses credentials, names that do not resolve, non-URLs and overlong URLs', async () => {
		await expect(checkWebhookUrl('https://u:p@hooks.example/', strict, resolvesTo('93.184.215.14'))).rejects.toThrow(/user name/);
		await expect(checkWebhookUrl('https://nowhere.invalid/', strict, resolvesTo())).rejects.toThrow(/does not resolve/);
		await expect(checkWebhookUrl('not a url', strict)).rejects.toThrow(/not a URL/);
		await expect(checkWebhookUrl(`https://hooks.example/${'a'.repeat(MAX_WEBHOOK_URL_CHARS)}`, strict)).rejects.toThrow(/longer/);
	});
});
