// Writes .br and .gz beside the build's immutable client assets, which server.js serves to browsers that
// accept them. ORT's WebAssembly is 14-27 MB and compresses about 5x. adapter-node's own precompress uses
// brotli's top quality, which takes over two minutes here for those files; quality 5 takes seconds and
// gives within 20 % of its size.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve('build/client/_app/immutable');
const compressible = /\.(wasm|m?js|css|svg|json)$/;

function* files(dir) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) yield* files(full);
		else if (compressible.test(entry.name) && statSync(full).size > 1024) yield full;
	}
}

let count = 0;
for (const file of files(root)) {
	const data = readFileSync(file);
	const { BROTLI_PARAM_QUALITY, BROTLI_PARAM_SIZE_HINT } = zlib.constants;
	writeFileSync(
		`${file}.br`,
		zlib.brotliCompressSync(data, { params: { [BROTLI_PARAM_QUALITY]: 5, [BROTLI_PARAM_SIZE_HINT]: data.length } })
	);
	writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
	count++;
}
console.log(`compressed ${count} client assets`);
