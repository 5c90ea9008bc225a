/**
 * PostgreSQL cannot store every JavaScript string: `text` refuses U+0000, and `jsonb` refuses both
 * U+0000 and a lone UTF-16 surrogate (JSON.stringify writes it as `\ud800`, which jsonb rejects). Such a
 * string from a client used to reach an insert and fail there: a 500, or an `internal` refusal on a
 * socket, after part of the work was done. Every inbound payload is checked here first instead, so the
 * client gets a clear refusal and nothing is written.
 */

/** True when PostgreSQL can store `s` as text and inside jsonb. */
export function isStorableText(s: string): boolean {
	return s.isWellFormed() && !s.includes('\u0000');
}

/**
 * The path (`a.b.0`) of the first string or object key in `value` PostgreSQL cannot store, or null when
 * there is none. Iterative, so a payload nested as deep as its parser allowed cannot overflow the stack.
 */
export function unstorableTextAt(value: unknown): string | null {
	const stack: [unknown, string][] = [[value, '']];
	while (stack.length > 0) {
		const [v, path] = stack.pop()!;
		if (typeof v === 'string') {
			if (!isStorableText(v)) return path || '(root)';
		} else if (Array.isArray(v)) {
			for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object' || typeof v[i] === 'string') stack.push([v[i], join(path, i)]);
		} else if (v !== null && typeof v === 'object') {
			for (const [k, child] of Object.entries(v)) {
				if (!isStorableText(k)) return join(path, k);
				stack.push([child, join(path, k)]);
			}
		}
	}
	return null;
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** What a refusal says: the field, and why it cannot be taken. */
export function unstorableTextMessage(path: string): string {
	return `${path}: text with U+0000 or an unpaired surrogate cannot be stored`;
}
