/**
 * Shareable cards: a small SVG with a name, credit, rank and milestones, for forum signatures (as
 * BOINC's stats sites make). Every piece of text is XML-escaped here, whatever checked it before: a
 * name is outside input, and an SVG opened on its own is a document that could run script.
 */
import type { Milestone } from '../../recognition/milestones';

export interface Card {
	/** The volunteer's display name, or the team's. */
	title: string;
	/** A second line: a volunteer's team, a team's member count. */
	subtitle: string;
	credit: number;
	rank: number | null;
	badges: Milestone[];
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe in XML content and attribute values; characters XML 1.0 forbids are dropped. */
export function xmlEscape(text: string): string {
	// eslint-disable-next-line no-control-regex -- the point is to remove control characters
	return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

/** Longer text is cut (with an ellipsis), so a card stays the size it is drawn for. */
function fit(text: string, max: number): string {
	const chars = [...text];
	return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

const number = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

export function renderCard(card: Card): string {
	const title = xmlEscape(fit(card.title, 40));
	const subtitle = xmlEscape(fit(card.subtitle, 56));
	const standing = `${number.format(card.credit)} credit · ${card.rank === null ? 'unranked' : `rank #${card.rank}`}`;
	const badges = xmlEscape(card.badges.map((b) => b.label).join(' · ') || 'no milestones yet');
	const label = xmlEscape(`${fit(card.title, 40)}: ${standing} on ExoStack`);
	return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="110" viewBox="0 0 400 110" role="img" aria-label="${label}">
<title>${label}</title>
<rect x="0.5" y="0.5" width="399" height="109" rx="10" fill="#0b1120" stroke="#1e2a44"/>
<g font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<text x="388" y="20" text-anchor="end" font-size="11" fill="#94a3b8">ExoStack</text>
<text x="16" y="32" font-size="19" font-weight="700" fill="#e2e8f0">${title}</text>
<text x="16" y="52" font-size="12" fill="#94a3b8">${subtitle}</text>
<text x="16" y="78" font-size="16" fill="#38bdf8">${xmlEscape(standing)}</text>
<text x="16" y="98" font-size="11" fill="#fcd34d">${badges}</text>
</g>
</svg>
`;
}

/**
 * The card as a response: at a stable URL, cached for five minutes (a signature is fetched by every
 * reader of a forum page), embeddable from other sites (Cross-Origin-Resource-Policy), and locked
 * down as a document (no script, no loads) should anyone open it directly.
 */
export function cardResponse(svg: string): Response {
	return new Response(svg, {
		headers: {
			'Content-Type': 'image/svg+xml; charset=utf-8',
			'Cache-Control': 'public, max-age=300',
			'Cross-Origin-Resource-Policy': 'cross-origin',
			'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
			'X-Content-Type-Options': 'nosniff'
		}
	});
}
