/**
 * The metrics a Grafana panel's PromQL reads, found by Prometheus's own PromQL grammar
 * (@prometheus-io/lezer-promql, the parser of Prometheus's query editor) rather than by pattern: a
 * query that does not parse is an error, and every vector selector's metric name is found, whatever it is called.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** Grafana replaces its variables before Prometheus sees a query; these stand-ins parse as it would send them. */
const GRAFANA_VARIABLES: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '1h' };

function substitute(expr: string): string {
	// `[$__rate_interval]` is a duration; `$instance` sits inside a regex matcher's string.
	return expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => GRAFANA_VARIABLES[name] ?? '.*');
}

/** The metric names `expr` selects; throws when it is not PromQL. */
export function metricNamesOf(expr: string): string[] {
	const query = substitute(expr);
	const names: string[] = [];
	const tree = parser.parse(query);
	tree.iterate({
		enter(node) {
			if (node.type.isError) throw new Error(`not PromQL at ${node.from}: ${query}`);
			if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(query.slice(node.from, node.to));
		}
	});
	return names;
}
