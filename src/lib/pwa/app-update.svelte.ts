/**
 * The service worker as the page sees it: registration (workbox-window), and updates. A new hub version's
 * worker installs in the background and waits. A page that set a guard (the volunteer page: "finish the
 * running task") runs it first, then tells the new worker to take over and reloads into the new version;
 * other pages offer a reload button instead of reloading under someone's fingers.
 */
import { Workbox } from 'workbox-window';
import { dev } from '$app/environment';

export type UpdateState = 'unsupported' | 'registering' | 'ready' | 'waiting' | 'finishing' | 'updating' | 'failed';

/** A long-lived volunteer tab never navigates, so it would never notice a new version without asking. */
const CHECK_EVERY_MS = 30 * 60_000;

export class AppUpdate {
	#state = $state<UpdateState>('registering');
	#controlled = $state(false);
	private wb: Workbox | null = null;
	private guard: (() => Promise<void>) | null = null;
	/** A newer worker already controls this page (another tab let it in): only the reload is left. */
	private updatedInControl = false;
	private reloading = false;

	get state(): UpdateState {
		return this.#state;
	}

	/** Whether a service worker serves this page (false on the first visit until it is claimed). */
	get controlled() {
		return this.#controlled;
	}

	register(url = '/sw.js') {
		if (this.wb) return;
		// `vite dev` builds no service worker (and one would only get in the way of hot reloading).
		if (dev || !('serviceWorker' in navigator)) {
			this.#state = 'unsupported'; // an insecure origin (plain http off localhost) or a browser without it
			return;
		}
		this.#controlled = navigator.serviceWorker.controller !== null;
		this.wb = new Workbox(url, { scope: '/' });
		this.wb.addEventListener('waiting', () => void this.whenReady());
		this.wb.addEventListener('controlling', (event) => {
			this.#controlled = true;
			if (this.#state === 'updating') return this.reload();
			if (event.isUpdate) {
				this.updatedInControl = true;
				void this.whenReady();
			}
		});
		this.wb.register().then(
			() => (this.#state = this.#state === 'registering' ? 'ready' : this.#state),
			() => (this.#state = 'failed')
		);
		setInterval(() => this.check(), CHECK_EVERY_MS);
	}

	/** Asks the server for a newer service worker now (the volunteer page does on every reconnect: hubs restart to update). */
	check() {
		void this.wb
			?.update()
			.then(() => this.noticeInstalled())
			.catch(() => {});
	}

	/**
	 * Reads the registration itself after an update check: workbox-window reports only the updates it
	 * can tell apart (it stops listening after the first one it takes for another tab's), and a missed
	 * one would leave this page on the old version until it is closed.
	 */
	private async noticeInstalled() {
		const registration = await navigator.serviceWorker.getRegistration();
		const sw = registration?.installing ?? registration?.waiting;
		if (!sw || !navigator.serviceWorker.controller) return;
		const ready = () => sw.state === 'installed' && registration?.waiting === sw;
		if (ready()) return void this.whenReady();
		sw.addEventListener('statechange', () => void (ready() && this.whenReady()));
	}

	/** What must happen before this page may be replaced (finishing a task); null: ask the user. */
	setGuard(guard: (() => Promise<void>) | null) {
		this.guard = guard;
		if (guard && this.#state === 'waiting') void this.whenReady();
	}

	/** Lets the new version in and reloads into it (the reload button, or the guard once it is done). */
	apply() {
		this.#state = 'updating';
		if (this.updatedInControl) return this.reload();
		this.wb?.messageSkipWaiting(); // 'controlling' follows, and reloads
	}

	private async whenReady() {
		if (this.#state === 'finishing' || this.#state === 'updating') return;
		this.#state = 'waiting';
		if (!this.guard) return;
		this.#state = 'finishing';
		await this.guard();
		this.apply();
	}

	private reload() {
		if (this.reloading) return;
		this.reloading = true;
		location.reload();
	}
}

/** One per page: the layout registers it; the volunteer page guards it. */
export const appUpdate = new AppUpdate();
