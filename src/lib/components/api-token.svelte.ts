/** The API token a person typed once in a form, kept in this browser (localStorage) for the next time. */
const KEY = 'exostack:api-token';

export class ApiTokenField {
	#value = $state('');

	constructor() {
		if (typeof localStorage !== 'undefined') this.#value = localStorage.getItem(KEY) ?? '';
	}

	/** What the person typed (the input binds to it). */
	get value() {
		return this.#value;
	}
	set value(typed: string) {
		this.#value = typed;
	}

	/** Keeps the token for the next visit: called once the hub accepted it. */
	remember() {
		localStorage.setItem(KEY, this.#value.trim());
	}
}
