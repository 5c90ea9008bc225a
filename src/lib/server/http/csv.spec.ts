import { describe, expect, it } from 'vitest';
import { csvCell } from './csv';

describe('csvCell', () => {
	it('quotes what RFC 4180 needs quoted and leaves plain text alone', () => {
		expect(csvCell('hello world')).toBe('hello world');
		expect(csvCell("don't")).toBe("don't");
		expect(csvCell('a,b')).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell('two\nlines')).toBe('"two\nlines"');
		expect(csvCell('[0.1,-0.2]')).toBe('"[0.1,-0.2]"');
	});

	it('turns every cell a spreadsheet would run as a formula into text', () => {
		for (const formula of ['=1+1', '+1', '-1+2', '@SUM(A1)', '\t=1', '\r=1', '＝1+1', '＋1', '－1', '＠SUM(A1)']) {
			expect(csvCell(formula), JSON.stringify(formula)).toBe(`"'${formula}"`);
		}
		expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
		expect(csvCell('1=1')).toBe('1=1');
	});
});
