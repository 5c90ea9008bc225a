/**
 * Brings a model from a Hugging Face hub (or any server with its layout: `/api/models/<repo>/revision/<rev>`
 * to list files, `/<repo>/resolve/<rev>/<file>` to fetch them) into a local folder, verifying every file:
 * large (LFS) files against the sha256 the hub publishes, small ones against their git blob sha1.
 * Only the files an import reads are fetched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GRAPH_STEMS, MODEL_VARIANTS, variantFile } from '../../protocol/variants';

export interface HfSource {
	endpoint: string;
	/** For private or gated repositories; sent to the hub only, never to the storage it redirects to. */
	token?: string | null;
	/** All files together may not exceed this. */
	maxBytes: number;
	fetcher?: typeof fetch;
}

export const HF_REPO = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,99}$/;

/** What readHfFolder reads, graphs of every variant included. */
export const WANTED_FILES = new Set([
	'config.json',
	'tokenizer.json',
	'tokenizer_config.json',
	'special_tokens_map.json',
	'modules.json',
	'1_Pooling/config.json',
	'vocab.txt',
	'generation_config.json',
	'preprocessor_config.json',
	'vocab.json',
	'merges.txt',
	'sentence_bert_config.json',
	...GRAPH_STEMS.flatMap((stem) => MODEL_VARIANTS.map((v) => variantFile(stem, v)))
]);

interface Sibling {
	rfilename: string;
	size?: number;
	lfs?: { sha256?: string; size?: number };
}

export class HfDownloadError extends Error {}

function gitBlobSha1(bytes: Uint8Array): string {
	return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

const unquote = (v: string | null) => v?.replace(/^W\//, '').replace(/"/g, '') ?? null;

/** Downloads the repository's wanted files into a new folder under `into`; the caller imports and removes it. */
export async function downloadHfRepo(repo: string, revision: string, into: string, src: HfSource): Promise<string> {
	if (!HF_REPO.test(repo)) throw new HfDownloadError(`"${repo}" is not a Hugging Face repository id (owner/name)`);
	if (!REVISION.test(revision) || revision.includes('..')) throw new HfDownloadError(`"${revision}" is not a revision`);
	const fetcher = src.fetcher ?? fetch;
	const auth: Record<string, string> = src.token ? { authorization: `Bearer ${src.token}` } : {};
	const listing = await fetcher(`${src.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`, {
		headers: auth
	}).catch((e: Error) => {
		throw new HfDownloadError(`cannot reach ${src.endpoint}: ${e.cause ?? e.message}`);
	});
	if (listing.status === 401 || listing.status === 404)
		throw new HfDownloadError(`${repo}@${revision} was not found on ${src.endpoint} (or needs a token: HF_TOKEN)`);
	if (!listing.ok) throw new HfDownloadError(`${src.endpoint} answered ${listing.status} listing ${repo}`);
	const siblings = (((await listing.json()) as { siblings?: Sibling[] }).siblings ?? []).filter((s) => WANTED_FILES.has(s.rfilename));
	const declared = siblings.reduce((n, s) => n + (s.lfs?.size ?? s.size ?? 0), 0);
	if (declared > src.maxBytes)
		throw new HfDownloadError(`${repo} needs ${declared} bytes, over the import limit of ${src.maxBytes} (EXOSTACK_MAX_IMPORT_BYTES)`);
	const dir = path.join(into, `hf-${randomBytes(6).toString('hex')}`);
	try {
		let total = 0;
		for (const sibling of siblings) {
			const bytes = await fetchVerified(
				fetcher,
				`${src.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${sibling.rfilename}`,
				sibling,
				auth,
				src.maxBytes - total
			);
			total += bytes.byteLength;
			const target = path.join(dir, sibling.rfilename);
			await mkdir(path.dirname(target), { recursive: true });
			await writeFile(target, bytes);
		}
		return dir;
	} catch (e) {
		await rm(dir, { recursive: true, force: true });
		throw e;
	}
}

/** One file, following the hub's redirect to its storage by hand so the hub's integrity headers are kept. */
async function fetchVerified(
	fetcher: typeof fetch,
	url: string,
	sibling: Sibling,
	auth: Record<string, string>,
	budget: number
): Promise<Uint8Array> {
	const name = sibling.rfilename;
	let res = await fetcher(url, { headers: auth, redirect: 'manual' });
	const linkedSha = unquote(res.headers.get('x-linked-etag'));
	const etag = unquote(res.headers.get('etag'));
	if (res.status >= 300 && res.status < 400) {
		const location = res.headers.get('location');
		if (!location) throw new HfDownloadError(`${name}: redirect without a location`);
		res = await fetcher(new URL(location, url), { redirect: 'follow' });
	}
	if (!res.ok) throw new HfDownloadError(`${name}: HTTP ${res.status}`);
	const bytes = await readCapped(res, budget, name);
	const sha256 = sibling.lfs?.sha256 ?? (linkedSha && /^[0-9a-f]{64}$/.test(linkedSha) ? linkedSha : null);
	if (sha256) {
		const actual = createHash('sha256').update(bytes).digest('hex');
		if (actual !== sha256) throw new HfDownloadError(`${name} failed verification: sha256 ${actual}, the hub says ${sha256}`);
	} else if (etag && /^[0-9a-f]{40}$/.test(etag)) {
		if (gitBlobSha1(bytes) !== etag) throw new HfDownloadError(`${name} failed verification against its git blob id ${etag}`);
	} else {
		throw new HfDownloadError(`${name}: the hub gave no checksum to verify it against`);
	}
	const size = sibling.lfs?.size ?? sibling.size;
	if (size !== undefined && size !== bytes.byteLength)
		throw new HfDownloadError(`${name} is ${bytes.byteLength} bytes, the hub says ${size}`);
	return bytes;
}

async function readCapped(res: Response, budget: number, name: string): Promise<Uint8Array> {
	const chunks: Uint8Array[] = [];
	let size = 0;
	for await (const chunk of res.body ?? []) {
		size += (chunk as Uint8Array).byteLength;
		if (size > budget) throw new HfDownloadError(`${name} takes the import past its size limit (EXOSTACK_MAX_IMPORT_BYTES)`);
		chunks.push(chunk as Uint8Array);
	}
	return new Uint8Array(Buffer.concat(chunks));
}
