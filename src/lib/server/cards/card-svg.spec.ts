import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { badges } from '../../recognition/milestones';
import { cardResponse, renderCard, xmlEscape } from './card-svg';

describe('cards', () => {
	it('escapes every character XML gives meaning to, and drops ones it forbids', () => {
		expect(xmlEscape(`<script>&"'`)).toBe('&lt;script&gt;&amp;&quot;&apos;');
		expect(xmlEscape('a\u0000b\u001fc\n')).toBe('abc\n');
	});

	it('draws a well-formed SVG whose text is the name as given, however hostile', () => {
		const name = `<script>alert(1)</script>&"' ]]><!--`;
		const svg = renderCard({
			title: name,
			subtitle: 'team <b>',
			credit: 12345.6,
			rank: 3,
			badges: badges({ credit: 12345.6, results: 150, streak: 7 })
		});
		expect(XMLValidator.validate(svg)).toBe(true);
		expect(svg).not.toContain('<script');
		const texts = new XMLParser({ ignoreAttributes: true }).parse(svg).svg.g.text as string[];
		expect(texts).toEqual(['ExoStack', name, 'team <b>', '12,346 credit · rank #3', '10k credit · 100 results · 7-day streak']);
	});

	it('cuts long names, says unranked without credit, and stays small', () => {
		const svg = renderCard({ title: '&'.repeat(500), subtitle: 'x', credit: 0, rank: null, badges: [] });
		expect(svg).toContain('0 credit · unranked');
		expect(svg).toContain(`${'&amp;'.repeat(39)}…`);
		expect(svg.length).toBeLessThan(4096);
	});

	it('is served as an embeddable, locked-down, cached image', () => {
		const headers = cardResponse('<svg/>').headers;
		expect(headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
		expect(headers.get('cache-control')).toBe('public, max-age=300');
		expect(headers.get('cross-origin-resource-policy')).toBe('cross-origin');
		expect(headers.get('content-security-policy')).toContain("default-src 'none'");
	});
});
