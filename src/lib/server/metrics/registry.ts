/**
 * Prometheus counters for this hub process, rendered at GET /metrics in the text exposition format
 * (version 0.0.4). Deliberately tiny: counters with labels, nothing a client library would add here.
 * Each hub process counts its own; Prometheus sums them across processes.
 */

type Labels = Record<string, string>;

export class Counter {
	private readonly values = new Map<string, number>();

	constructor(
		readonly name: string,
		readonly help: string
	) {}

	inc(labels: Labels = {}, by = 1): void {
		if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up`);
		const key = renderLabels(labels);
		this.values.set(key, (this.values.get(key) ?? 0) + by);
	}

	get(labels: Labels = {}): number {
		return this.values.get(renderLabels(labels)) ?? 0;
	}

	render(): string {
		const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
		for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`);
		return lines.join('\n');
	}
}

const counters: Counter[] = [];

/** Registers a counter; names are unique per process. */
export function counter(name: string, help: string): Counter {
	if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
	if (counters.some((c) => c.name === name)) throw new Error(`metric ${name} is registered twice`);
	const c = new Counter(name, help);
	counters.push(c);
	return c;
}

export function renderMetrics(): string {
	return counters.map((c) => c.render()).join('\n\n') + '\n';
}

function renderLabels(labels: Labels): string {
	const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
	if (entries.length === 0) return '';
	const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
	return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}
