/**
 * Writes a deterministic, randomly initialised BERT text-embedding model in the
 * Hugging Face ONNX folder layout, for demos and tests without downloads.
 *
 *   npx tsx scripts/make-demo-model.ts <out-dir> [--layout pooled|sentence-transformers] [--size demo|minilm] [--seed n]
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_SIZES, type ModelSize } from '../src/lib/server/models/demo/bert-weights';
import { MODEL_LAYOUTS, type ModelLayout } from '../src/lib/server/models/demo/embedding-graph';
import { DEFAULT_SEED, writeModelFolder } from '../src/lib/server/models/demo/write-model-folder';

const USAGE =
	'usage: npx tsx scripts/make-demo-model.ts <out-dir> [--layout pooled|sentence-transformers] [--size demo|minilm] [--seed n]';

function fail(message: string): never {
	console.error(`${message}\n${USAGE}`);
	process.exit(2);
}

function parse() {
	const { values, positionals } = parseArgs({
		allowPositionals: true,
		options: {
			layout: { type: 'string', default: 'pooled' },
			size: { type: 'string', default: 'demo' },
			seed: { type: 'string', default: String(DEFAULT_SEED) }
		}
	});
	if (positionals.length !== 1) fail('expected exactly one output directory');
	if (!(MODEL_LAYOUTS as readonly string[]).includes(values.layout)) fail(`unknown layout ${values.layout}`);
	if (!Object.hasOwn(MODEL_SIZES, values.size)) fail(`unknown size ${values.size}`);
	const seed = Number(values.seed);
	if (!Number.isSafeInteger(seed)) fail(`seed must be an integer, got ${values.seed}`);
	return {
		dir: positionals[0],
		layout: values.layout as ModelLayout,
		size: values.size as ModelSize,
		seed
	};
}

async function main() {
	let args;
	try {
		args = parse();
	} catch (err) {
		fail(err instanceof Error ? err.message : String(err));
	}
	const written = await writeModelFolder(args.dir, args);
	for (const rel of written) {
		const bytes = statSync(path.join(args.dir, rel)).size;
		console.log(`${path.join(args.dir, rel)}\t${bytes} bytes`);
	}
}

await main();
