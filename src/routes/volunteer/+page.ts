// The volunteer page is the installed app's shell: rendered in the browser only, its HTML is the same for
// every visit and query string, so the service worker can precache it once and serve it offline.
export const ssr = false;
