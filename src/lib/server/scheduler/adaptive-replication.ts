import { sql, type SQL } from 'drizzle-orm';

/**
 * Adaptive replication, after BOINC: a volunteer with a long unbroken run of valid results gets a
 * replicated chunk alone with rising probability, so the cost of validation falls towards 10 % for
 * reliable volunteers while every volunteer is still spot-checked. One invalid result resets the run
 * (the validator zeroes consecutive_valid), so a cheater is caught and loses the trust at once.
 */
export const TRUST_AFTER = 10;
export const MAX_SKIP = 0.9;

/** The probability that a volunteer with this run of consecutive valid results computes a chunk alone. */
export function soloProbability(consecutiveValid: number): number {
	if (consecutiveValid < TRUST_AFTER) return 0;
	return Math.min(MAX_SKIP, 1 - TRUST_AFTER / consecutiveValid);
}

/**
 * An established volunteer: its run of valid results has reached TRUST_AFTER. A quorum made only of
 * volunteers that are not is confirmed by one that is, when one is connected (validate-chunk.ts).
 */
export function isEstablished(consecutiveValid: number): boolean {
	return consecutiveValid >= TRUST_AFTER;
}

/** isEstablished in SQL, for a statement that reads the run itself (find-claimable.ts). */
export function establishedSql(consecutiveValid: SQL): SQL {
	return sql`coalesce(${consecutiveValid}, 0) >= ${TRUST_AFTER}`;
}
