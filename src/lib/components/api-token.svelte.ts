/** The API token a person typed once in a form, kept in this browser (localStorage) for the next time. */
const KEY = 'exostack:api-token';

export class ApiTokenField {
	value = $state('');

	constructor() {
		if (typeof localStorage !== 'undefined') this.value = localStorage.getItem(KEY) ?? '';
	}

	remember() {
		localStorage.setItem(KEY, this.value.trim());
	}
}
