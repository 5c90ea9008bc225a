// Chromium announces that the page can be installed once per page load (`beforeinstallprompt`), as soon as
// its own check is done. On a slow or busy machine that can come before the page's scripts have hydrated and
// listened, and the offer would be lost until the next load. This classic script runs first, from <head>
// (src/app.html), and keeps the event for the page (src/lib/pwa/install-prompt.svelte.ts), its default (the
// browser's own mini-infobar) prevented as the page's listener does.
addEventListener('beforeinstallprompt', function (e) {
	e.preventDefault();
	window.exostackInstallOffer = e;
});
