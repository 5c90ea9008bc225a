/**
 * A throwaway certificate authority for TLS end-to-end tests, made with the openssl CLI (Debian's
 * `openssl`), and a server certificate it signs for one host name. The CA is trusted the way a user
 * trusts one: added to an NSS database (Debian's `certutil`, libnss3-tools) under a temporary HOME,
 * which is where Chromium on Linux reads the user's trusted roots. Nothing is ignored: a certificate
 * that the CA did not sign, or for another name, fails as it would for a real user.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './hub-process';

export interface TestCa {
	/** The CA's certificate, PEM: what a Node client passes as `ca`. */
	caPem: string;
	/** The server's certificate chain (leaf then CA) and key, as files a proxy reads. */
	certFile: string;
	keyFile: string;
	/** A HOME whose ~/.pki/nssdb trusts the CA: give it to Chromium. */
	home: string;
}

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export function makeTestCa(hostName: string): TestCa {
	const dir = tempDir('exostack-ca-');
	const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
	writeFileSync(
		path.join(dir, 'ca.cnf'),
		[
			'[req]',
			'distinguished_name = dn',
			'x509_extensions = ca',
			'[dn]',
			'[ca]',
			'basicConstraints = critical, CA:TRUE, pathlen:0',
			'keyUsage = critical, keyCertSign, cRLSign',
			'subjectKeyIdentifier = hash'
		].join('\n')
	);
	run(
		'openssl',
		['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ExoStack test CA', '-config', 'ca.cnf'],
		dir
	);
	writeFileSync(
		path.join(dir, 'leaf.ext'),
		[
			'basicConstraints = critical, CA:FALSE',
			'keyUsage = critical, digitalSignature',
			'extendedKeyUsage = serverAuth',
			`subjectAltName = DNS:${hostName}`,
			'authorityKeyIdentifier = keyid'
		].join('\n')
	);
	run('openssl', ['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${hostName}`], dir);
	run(
		'openssl',
		[
			'x509',
			'-req',
			'-in',
			'leaf.csr',
			'-CA',
			'ca.pem',
			'-CAkey',
			'ca.key',
			'-CAcreateserial',
			'-days',
			'2',
			'-extfile',
			'leaf.ext',
			'-out',
			'leaf.pem'
		],
		dir
	);
	const caPem = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
	writeFileSync(path.join(dir, 'chain.pem'), readFileSync(path.join(dir, 'leaf.pem'), 'utf8') + caPem);

	const home = path.join(dir, 'home');
	const nssdb = `sql:${path.join(home, '.pki/nssdb')}`;
	mkdirSync(path.join(home, '.pki/nssdb'), { recursive: true });
	run('certutil', ['-d', nssdb, '-N', '--empty-password'], dir);
	// "C,,": a trusted issuer of server certificates, and nothing else.
	run('certutil', ['-d', nssdb, '-A', '-t', 'C,,', '-n', 'ExoStack test CA', '-i', 'ca.pem'], dir);
	return { caPem, certFile: path.join(dir, 'chain.pem'), keyFile: path.join(dir, 'leaf.key'), home };
}
