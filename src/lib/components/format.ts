/** Short human durations: 42 s, 7 min, 3 h 5 min, 2 d 4 h. */
export function duration(seconds: number): string {
	const s = Math.max(0, Math.round(seconds));
	if (s < 60) return `${s} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min`;
	if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
	return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

const credits = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
export const credit = (n: number) => credits.format(n);

/** What a volunteer is called where it has not chosen a name: a short, stable, meaningless handle. */
export const anonymous = (id: string) => `volunteer ${id.slice(0, 8)}`;

export const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
export const day = (t: number) => new Date(t).toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' });
