/**
 * The Kubernetes manifests in deploy/k8s/, validated offline against the Kubernetes OpenAPI schemas by
 * kubernetes-models (no cluster runs here; the README says what was not run), then held to what the hub
 * does: the probes' paths are its routes, the grace period outlasts its bounded shutdown, the selectors
 * meet the pods, and the image's own command runs it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PersistentVolumeClaim, type IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/server/config';

const folder = 'deploy/k8s';
/** Each kind the manifests may hold, with its model (whose validate() checks the schema). */
const MODELS = {
	'apps/v1 Deployment': Deployment,
	'v1 Service': Service,
	'networking.k8s.io/v1 Ingress': Ingress,
	'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
	'v1 PersistentVolumeClaim': PersistentVolumeClaim
} as const;

const documents = readdirSync(folder)
	.filter((f) => f.endsWith('.yaml'))
	.flatMap((file) => parseAllDocuments(readFileSync(path.join(folder, file), 'utf8')).map((doc) => ({ file, object: doc.toJS() })));

function validate(object: { apiVersion: string; kind: string }) {
	const Model = MODELS[`${object.apiVersion} ${object.kind}` as keyof typeof MODELS];
	if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
	new Model(object as never).validate();
}

const one = <T>(kind: string) => {
	const found = documents.filter((d) => d.object.kind === kind);
	expect(found, kind).toHaveLength(1);
	return found[0].object as T;
};
const deployment = one<IDeployment>('Deployment');
const pod = deployment.spec!.template.spec!;
const hub = pod.containers.find((c) => c.name === 'hub')!;
const env = Object.fromEntries((hub.env ?? []).map((e) => [e.name, e.value]));

describe('the Kubernetes manifests', () => {
	it('are valid against the Kubernetes schemas, every document of every file', () => {
		expect(documents.map((d) => d.object.kind).sort()).toEqual([
			'Deployment',
			'Ingress',
			'PersistentVolumeClaim',
			'PodDisruptionBudget',
			'Service'
		]);
		for (const { file, object } of documents) expect(() => validate(object), file).not.toThrow();
	});

	it('would be refused with a mistake the schema knows of (the validator is not a formality)', () => {
		const broken = structuredClone(deployment);
		broken.spec!.template.spec!.containers[0].ports![0].containerPort = 'eight thousand' as unknown as number;
		expect(() => validate(broken)).toThrow(/containerPort must be integer/);
		const { selector: _, ...unselectedSpec } = deployment.spec!;
		expect(() => validate({ ...deployment, spec: unselectedSpec } as IDeployment)).toThrow(/required property selector/);
	});

	it("probe the hub's liveness and readiness routes on its port", () => {
		const port = hub.ports!.find((p) => p.name === 'http')!;
		expect(port.containerPort).toBe(loadConfig({}).port);
		expect(hub.livenessProbe!.httpGet).toEqual({ path: '/api/health/live', port: 'http' });
		expect(hub.startupProbe!.httpGet).toEqual({ path: '/api/health/live', port: 'http' });
		expect(hub.readinessProbe!.httpGet).toEqual({ path: '/api/health/ready', port: 'http' });
		for (const route of ['live', 'ready']) expect(existsSync(`src/routes/api/health/${route}/+server.ts`), route).toBe(true);
		// A probe's timeout outlasts the hub's own database timeout, so the hub answers 503 with a reason first.
		expect(hub.readinessProbe!.timeoutSeconds! * 1000).toBeGreaterThan(2000);
	});

	it("run the image's own command as a non-root user, and give the bounded shutdown time to finish", () => {
		expect(hub.command).toBeUndefined();
		expect(hub.args).toBeUndefined();
		expect(pod.securityContext!.runAsNonRoot).toBe(true);
		expect(pod.securityContext!.runAsUser).not.toBe(0);
		expect(hub.securityContext!.allowPrivilegeEscalation).toBe(false);
		const preStop = Number(hub.lifecycle!.preStop!.exec!.command!.at(-1));
		const shutdown = loadConfig(env).shutdownMs / 1000;
		expect(pod.terminationGracePeriodSeconds!).toBeGreaterThan(preStop + shutdown);
		expect(deployment.spec!.strategy!.rollingUpdate!.maxUnavailable).toBe(0);
	});

	it('configure the hub with values it accepts', () => {
		const withSecrets = { ...env, DATABASE_URL: 'postgres://exostack@postgres:5432/exostack', EXOSTACK_API_TOKEN: 'x'.repeat(32) };
		expect(() => loadConfig(withSecrets)).not.toThrow();
		expect(loadConfig(withSecrets).edge.maxConnectionsPerAddress).toBe(0);
	});

	it("select the Deployment's pods from the Service and the disruption budget, and route the Ingress to the Service", () => {
		const labels = deployment.spec!.template.metadata!.labels!;
		expect(deployment.spec!.selector.matchLabels).toEqual(labels);
		const service = one<IService>('Service');
		expect(labels).toMatchObject(service.spec!.selector!);
		const pdb = one<IPodDisruptionBudget>('PodDisruptionBudget');
		expect(labels).toMatchObject(pdb.spec!.selector!.matchLabels!);
		expect(pdb.spec!.minAvailable).toBeLessThan(deployment.spec!.replicas!);
		const ingress = one<IIngress>('Ingress');
		const backend = ingress.spec!.rules![0].http!.paths[0].backend.service!;
		expect(backend.name).toBe(service.metadata!.name);
		expect(service.spec!.ports!.map((p) => p.name)).toContain(backend.port!.name);
		expect(service.spec!.ports![0].targetPort).toBe('http');
		const claim = one<IPersistentVolumeClaim>('PersistentVolumeClaim');
		expect(pod.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName).toBe(claim.metadata!.name);
		expect(claim.spec!.accessModes).toContain('ReadWriteMany');
	});

	it('keep WebSockets open for hours and browsers on one hub at the ingress', () => {
		const annotations = one<IIngress>('Ingress').metadata!.annotations!;
		expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
		expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
		expect(annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
	});
});
