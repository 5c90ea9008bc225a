import { describe, expect, it } from 'vitest';
import { DisplayName, ProfileUpdate, TeamName } from './profile';

describe('display and team names', () => {
	it('accepts names in any script, trimmed and with spaces collapsed', () => {
		expect(DisplayName.parse('  Ada   Lovelace ')).toBe('Ada Lovelace');
		expect(DisplayName.parse("Zoë O'Neil-Brown")).toBe("Zoë O'Neil-Brown");
		expect(DisplayName.parse('東京の猫')).toBe('東京の猫');
		expect(TeamName.parse('Red Pandas 2')).toBe('Red Pandas 2');
	});

	it('refuses markup, control characters, and names too short or too long, saying why', () => {
		for (const bad of ['<b>x</b>', 'a&b', 'x"y', 'tab\u0007bell', '-dash first', 'a', ' ', 'x'.repeat(33)]) {
			expect(DisplayName.safeParse(bad).success, bad).toBe(false);
		}
		expect(DisplayName.safeParse('x'.repeat(33)).error?.issues[0].message).toBe('display name must be at most 32 characters');
		expect(TeamName.safeParse('<script>').error?.issues[0].message).toMatch(/letters, digits/);
		expect(TeamName.safeParse('t'.repeat(40)).success).toBe(true);
	});

	it('takes a team, no team, or an empty team, and nothing else', () => {
		const base = { identity: 'abc.def', display_name: 'Ada' };
		expect(ProfileUpdate.parse(base).team).toBeNull();
		expect(ProfileUpdate.parse({ ...base, team: '' }).team).toBe('');
		expect(ProfileUpdate.parse({ ...base, team: 'Owls' }).team).toBe('Owls');
		expect(ProfileUpdate.safeParse({ ...base, email: 'a@b.c' }).success).toBe(false);
	});
});
