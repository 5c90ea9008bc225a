/**
 * The one error the typed client throws: the hub refused (its status and its own message), the hub
 * could not be reached (status 0), or it answered a shape the contract does not describe (the status it
 * sent, and what did not match): never a cast that lets a wrong shape through.
 */
export class ApiRequestError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
		this.name = 'ApiRequestError';
	}
}
