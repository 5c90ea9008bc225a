/**
 * Writes a deterministic, randomly initialised model in the Hugging Face ONNX folder layout, for demos
 * and tests without downloads: a BERT text-embedding model (the default), or with --kind a GPT-2
 * text-generation model (with fp16 and q8 variants), a text classifier or an image classifier.
 *
 *   npx tsx scripts/make-demo-model.ts <out-dir> [--kind embedding|text-generation|classifier|image-classifier]
 *     [--layout pooled|sentence-transformers] [--size demo|minilm] [--seed n]
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MODEL_SIZES, type ModelSize } from '../src/lib/demo-models/bert-weights';
import { MODEL_LAYOUTS, type ModelLayout } from '../src/lib/demo-models/embedding-graph';
import { DEFAULT_SEED, writeFolder, writeModelFolder } from '../src/lib/demo-models/write-model-folder';
import { buildGpt2Folder } from '../src/lib/demo-models/gpt2-folder';
import { buildImageClassifierFolder, buildTextClassifierFolder } from '../src/lib/demo-models/classifier-folders';

const KINDS = ['embedding', 'text-generation', 'classifier', 'image-classifier'] as const;

const USAGE =
	'usage: npx tsx scripts/make-demo-model.ts <out-dir> [--kind embedding|text-generation|classifier|image-classifier] [--layout pooled|sentence-transformers] [--size demo|minilm] [--seed n]';

function fail(message: string): never {
	console.error(`${message}\n${USAGE}`);
	process.exit(2);
}

function parse() {
	const { values, positionals } = parseArgs({
		allowPositionals: true,
		options: {
			kind: { type: 'string', default: 'embedding' },
			layout: { type: 'string', default: 'pooled' },
			size: { type: 'string', default: 'demo' },
			seed: { type: 'string', default: String(DEFAULT_SEED) }
		}
	});
	if (positionals.length !== 1) fail('expected exactly one output directory');
	if (!(KINDS as readonly string[]).includes(values.kind)) fail(`unknown kind ${values.kind}`);
	if (!(MODEL_LAYOUTS as readonly string[]).includes(values.layout)) fail(`unknown layout ${values.layout}`);
	if (!Object.hasOwn(MODEL_SIZES, values.size)) fail(`unknown size ${values.size}`);
	const seed = Number(values.seed);
	if (!Number.isSafeInteger(seed)) fail(`seed must be an integer, got ${values.seed}`);
	return {
		dir: positionals[0],
		kind: values.kind as (typeof KINDS)[number],
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
	let written: string[];
	if (args.kind === 'embedding') written = await writeModelFolder(args.dir, args);
	else {
		const folder =
			args.kind === 'text-generation'
				? buildGpt2Folder({ seed: args.seed, variants: ['fp16', 'q8'] })
				: args.kind === 'classifier'
					? buildTextClassifierFolder(args.seed)
					: buildImageClassifierFolder(args.seed);
		await writeFolder(args.dir, folder);
		written = [...folder.keys()];
	}
	for (const rel of written) {
		const bytes = statSync(path.join(args.dir, rel)).size;
		console.log(`${path.join(args.dir, rel)}\t${bytes} bytes`);
	}
}

await main();
