/**
 * nginx in front of hub processes, as an operator runs it: the shipped deploy/nginx template rendered
 * with this test's values (hubs, ports, certificate) and started unprivileged, with its own prefix,
 * pid, logs and temp folders in a temporary directory. Only the few lines an unprivileged nginx needs
 * around it (`daemon off`, paths) are written here; everything about proxying is the shipped file.
 */
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { freePort, tempDir } from './hub-process';

export const NGINX_TEMPLATE = path.resolve('deploy/nginx/exostack.conf.template');

export interface TlsProxyOptions {
	serverName: string;
	/** The hubs behind it, `host:port` each. */
	hubs: string[];
	certFile: string;
	keyFile: string;
	/** The CA that signed the certificate, for `fetch` below. */
	caPem: string;
	httpsPort?: number;
}

export interface TlsProxy {
	/** https://<serverName>:<port>: what browsers open and what the hubs' EXOSTACK_PUBLIC_URL says. */
	publicUrl: string;
	httpsPort: number;
	httpPort: number;
	logs(): string;
	/** An HTTPS request through the proxy from Node, verifying its certificate against the test CA. */
	fetch(pathname: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<ProxyResponse>;
	stop(): Promise<void>;
}

export interface ProxyResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
}

/**
 * Renders a template as `envsubst '$A $B'` does: only the named variables, as `$NAME` or `${NAME}`, so
 * nginx's own `$variables` stay. A named variable without a value is an error here, not an empty string.
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
	return template.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
		const name = (braced ?? bare)!;
		if (!name.startsWith('EXOSTACK_')) return whole;
		if (!(name in values)) throw new Error(`the template needs ${name}`);
		return values[name];
	});
}

export async function startTlsProxy(opts: TlsProxyOptions): Promise<TlsProxy> {
	const dir = tempDir('exostack-nginx-');
	// nginx started as root (CI) runs its workers as nobody: they must reach their temp folders in here.
	chmodSync(dir, 0o755);
	const [httpsPort, httpPort] = [opts.httpsPort ?? (await freePort()), await freePort()];
	const publicUrl = `https://${opts.serverName}:${httpsPort}`;
	const site = renderTemplate(readFileSync(NGINX_TEMPLATE, 'utf8'), {
		EXOSTACK_PUBLIC_URL: publicUrl,
		EXOSTACK_SERVER_NAME: opts.serverName,
		EXOSTACK_HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
		EXOSTACK_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
		EXOSTACK_CERT: opts.certFile,
		EXOSTACK_CERT_KEY: opts.keyFile,
		EXOSTACK_HUBS: opts.hubs.map((h) => `server ${h};`).join(' ')
	});
	writeFileSync(path.join(dir, 'exostack.conf'), site);
	const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `\t${t}_temp_path ${path.join(dir, t)};`);
	writeFileSync(
		path.join(dir, 'nginx.conf'),
		[
			'daemon off;',
			'worker_processes 1;',
			`pid ${path.join(dir, 'nginx.pid')};`,
			'error_log stderr warn;',
			'events { worker_connections 1024; }',
			'http {',
			'\taccess_log off;',
			...temp,
			`\tinclude ${path.join(dir, 'exostack.conf')};`,
			'}'
		].join('\n')
	);
	const child = spawn(process.env.NGINX_PATH ?? '/usr/sbin/nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'], {
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout!.on('data', (d) => (output += d));
	child.stderr!.on('data', (d) => (output += d));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

	const proxyFetch: TlsProxy['fetch'] = (pathname, init = {}) =>
		new Promise((resolve, reject) => {
			const req = request(
				{
					host: '127.0.0.1',
					port: httpsPort,
					servername: opts.serverName,
					ca: opts.caPem,
					path: pathname,
					method: init.method ?? 'GET',
					headers: { host: `${opts.serverName}:${httpsPort}`, ...init.headers }
				},
				(res) => {
					let text = '';
					res.setEncoding('utf8');
					res.on('data', (d) => (text += d));
					res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
				}
			);
			req.on('error', reject);
			req.end(init.body);
		});

	const deadline = Date.now() + 30_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${output}`);
		const ok = await proxyFetch('/api/health').then(
			(r) => r.status === 200,
			() => false
		);
		if (ok) break;
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`nginx did not answer within 30 s:\n${output}`);
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	return {
		publicUrl,
		httpsPort,
		httpPort,
		logs: () => output,
		fetch: proxyFetch,
		async stop() {
			// SIGTERM is nginx's fast shutdown: open WebSockets are cut, as they would be on a restart.
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			await exited;
		}
	};
}
