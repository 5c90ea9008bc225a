/**
 * What a fuzzing attacker sends instead of a well-formed value: wrong types, huge and odd strings,
 * deep nesting, prototype-pollution keys, NaN/Infinity spelled as strings, negative and huge numbers.
 * `mutated(valid)` takes a payload the real schema accepts and breaks it in one place, so most cases
 * get past the outer checks and reach the code behind them, where the bugs are.
 */
import fc from 'fast-check';

/** Keys that pollute a prototype when code copies them into a plain object. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

const oddStrings = fc.constantFrom(
	'',
	' ',
	'NaN',
	'Infinity',
	'-Infinity',
	'-1',
	'1e309',
	'0x10',
	'null',
	'undefined',
	'true',
	'[]',
	'{}',
	'\u0000',
	'\ud800',
	'\udfff\ud800',
	'\u202eevil',
	'ﬀ🙂\u0301',
	'%',
	'%zz',
	'%E0%A4%A',
	'../../../../etc/passwd',
	'<script>alert(1)</script>',
	"'; drop table jobs; --",
	'=cmd|"/c calc"!A1',
	...POLLUTING_KEYS
);

const oddNumbers = fc.constantFrom(-1, 0, -0, 0.5, -0.5, 1e-320, 1e308, -1e308, 2 ** 31, 2 ** 32 + 1, 2 ** 53 + 2, -(2 ** 63), 1e21);

/** A long string: sizes around the hub's limits (a few KB to a few hundred KB), cheap to build. */
const hugeString = fc
	.tuple(fc.constantFrom(1_000, 20_001, 65_537, 300_000), fc.constantFrom('x', 'é', '🙂', '\u0000', '%'))
	.map(([n, c]) => c.repeat(n));

/** Nesting deep enough to hurt a recursive validator or jsonb; deeper still is sent as raw JSON text (rest-routes.ts), as JSON.stringify here would overflow. */
const deepNesting = fc.tuple(fc.constantFrom(100, 1_000, 3_000), fc.boolean()).map(([depth, asArray]) => {
	let v: unknown = 1;
	for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
	return v;
});

/** An object whose own keys are the polluting ones (JSON.parse makes `__proto__` an own key, as an attacker's body would). */
const pollutingObject = fc
	.tuple(fc.constantFrom(...POLLUTING_KEYS), fc.jsonValue({ maxDepth: 2 }))
	.map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value) ?? 'null'}, "polluted": true}`) as unknown);

/** Any hostile value, the usual kinds weighted above the expensive ones. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
	{ arbitrary: oddStrings, weight: 4 },
	{ arbitrary: oddNumbers, weight: 3 },
	{ arbitrary: fc.constantFrom(null, true, false, [], {}), weight: 2 },
	{ arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
	{ arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
	{ arbitrary: fc.integer(), weight: 1 },
	{ arbitrary: fc.double(), weight: 1 },
	{ arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
	{ arbitrary: pollutingObject, weight: 2 },
	{ arbitrary: hugeString, weight: 1 },
	{ arbitrary: deepNesting, weight: 1 }
);

type Path = (string | number)[];

/** Every place in a JSON value where something can be replaced, removed or added: the root included. */
function paths(value: unknown, at: Path = []): Path[] {
	const out: Path[] = [at];
	if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
	else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
	return out;
}

type Mutation = 'replace' | 'remove' | 'add-key' | 'wrap';

function mutate(valid: unknown, path: Path, how: Mutation, value: unknown, key: string): unknown {
	const copy = structuredClone(valid);
	if (path.length === 0) return how === 'wrap' ? [copy] : value;
	let parent = copy as Record<string | number, unknown>;
	for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
	const last = path[path.length - 1];
	const target = parent[last];
	if (how === 'remove') {
		if (Array.isArray(parent)) parent.splice(Number(last), 1);
		else delete parent[last];
	} else if (how === 'add-key' && target && typeof target === 'object' && !Array.isArray(target)) {
		// defineProperty, not assignment: `o.__proto__ = x` would set the prototype instead of sending the key.
		Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
	} else if (how === 'wrap') {
		parent[last] = [target];
	} else {
		parent[last] = value;
	}
	return copy;
}

/** `valid` broken in one place: a field replaced by a hostile value, removed, wrapped, or a key added. */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
	const all = paths(valid);
	return fc
		.record({
			at: fc.nat({ max: all.length - 1 }),
			how: fc.constantFrom<Mutation>('replace', 'replace', 'replace', 'remove', 'add-key', 'wrap'),
			value: hostile,
			key: fc.oneof(fc.constantFrom(...POLLUTING_KEYS), fc.string({ maxLength: 12 }))
		})
		.map(({ at, how, value, key }) => mutate(valid, all[at], how, value, key));
}

/** Mostly broken payloads, some valid ones (they must work, and reach the code the broken ones do not). */
export function payloadFor(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
	return fc.oneof({ arbitrary: valid, weight: 1 }, { arbitrary: valid.chain(mutated), weight: 6 }, { arbitrary: hostile, weight: 1 });
}
