/**
 * Installing the volunteer app. Chromium-based browsers announce that the page can be installed with
 * `beforeinstallprompt`: the event is kept (its default, the browser's own mini-infobar, prevented) and
 * its prompt() shown when the owner presses our button. Browsers that never send it (Safari, Firefox)
 * get a hint in their own terms instead, once the page has loaded and no event came. Running as the
 * installed app (display-mode standalone), or just installed (`appinstalled`), the page says so.
 *
 * Chromium sends the event once per page load, which can be before this listens: static/install-offer.js,
 * run from <head> before any other script, keeps it in `window.exostackInstallOffer` until start().
 */

/** Not in the DOM typings: Chromium's event, with the prompt it holds back until asked. */
interface BeforeInstallPromptEvent extends Event {
	prompt(): Promise<unknown>;
	readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

/** Where static/install-offer.js keeps an offer made before the page listened; cleared once used. */
type EarlyOffer = { exostackInstallOffer?: BeforeInstallPromptEvent | null };

/** `waiting`: too early to tell (or an offer was just used); `available`: the button works; `unavailable`: show the hint; `installed`. */
export type InstallState = 'waiting' | 'available' | 'unavailable' | 'installed';

/** How long after load a browser that offers installation has to say so before the hint shows. */
const GRACE_MS = 3000;

export class InstallPrompt {
	#event = $state<BeforeInstallPromptEvent | null>(null);
	/** The browser offered installation at least once: no hint then, even after the offer was used. */
	#offered = $state(false);
	#installed = $state(false);
	#standalone = $state(false);
	#waited = $state(false);

	get state(): InstallState {
		if (this.#installed || this.#standalone) return 'installed';
		if (this.#event) return 'available';
		return this.#waited && !this.#offered ? 'unavailable' : 'waiting';
	}

	/** Running in the installed app's own window (not just installed from this tab a moment ago). */
	get standalone() {
		return this.#standalone;
	}

	/** Listens from now on; returns the function that stops it. */
	start(): () => void {
		const listeners = new AbortController();
		const { signal } = listeners;
		const early = (window as EarlyOffer).exostackInstallOffer;
		if (early) {
			this.#event = early;
			this.#offered = true;
		}
		addEventListener(
			'beforeinstallprompt',
			(e) => {
				e.preventDefault();
				this.#event = e as BeforeInstallPromptEvent;
				this.#offered = true;
			},
			{ signal }
		);
		addEventListener(
			'appinstalled',
			() => {
				this.#installed = true;
				this.#event = null;
				(window as EarlyOffer).exostackInstallOffer = null;
			},
			{ signal }
		);
		const standalone = matchMedia('(display-mode: standalone)');
		const read = () => (this.#standalone = standalone.matches || (navigator as { standalone?: boolean }).standalone === true);
		standalone.addEventListener('change', read, { signal });
		read();
		const timer = setTimeout(() => (this.#waited = true), GRACE_MS);
		signal.addEventListener('abort', () => clearTimeout(timer));
		return () => listeners.abort();
	}

	/** Shows the browser's install dialog; the event is used up either way (a browser offers it again later if declined). */
	async install(): Promise<void> {
		const event = this.#event;
		if (!event) return;
		this.#event = null;
		// Used up: a later start() (the panel mounted again) must not offer it a second time.
		if ((window as EarlyOffer).exostackInstallOffer === event) (window as EarlyOffer).exostackInstallOffer = null;
		await event.prompt();
		if ((await event.userChoice).outcome === 'accepted') this.#installed = true;
	}
}

/** How to install where the browser offers no prompt, in its own words (the user agent is used for this wording only). */
export function installHint(userAgent: string): string {
	const ios = /iPhone|iPad|iPod/.test(userAgent);
	if (/Firefox\//.test(userAgent) || /FxiOS\//.test(userAgent))
		return /Android/.test(userAgent)
			? 'In Firefox: open the menu (⋮) and choose “Install”.'
			: 'Firefox on a computer cannot install web apps: keep this tab open, or open this page in Chrome, Edge or Safari to install it.';
	if (ios) return 'In Safari: tap Share, then “Add to Home Screen”.';
	if (/Safari\//.test(userAgent) && !/Chrome\/|Chromium\/|Edg\//.test(userAgent)) return 'In Safari: choose File → “Add to Dock”.';
	return 'Your browser has not offered to install ExoStack here: look for “Install” in its menu or address bar.';
}
