/**
 * What the database said when it refused a statement: drizzle wraps the driver's error ("Failed query: …")
 * and keeps PostgreSQL's own message ("… violates check constraint "tasks_state_check"") as its cause.
 * Throws when the statement was accepted, so a test of a refusal cannot pass by the statement succeeding.
 */
export async function refusal(statement: PromiseLike<unknown>): Promise<string> {
	try {
		await statement;
	} catch (e) {
		const cause = (e as Error).cause;
		return cause instanceof Error ? cause.message : (e as Error).message;
	}
	throw new Error('the database accepted a statement it should have refused');
}
