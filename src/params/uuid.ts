import type { ParamMatcher } from '@sveltejs/kit';
import { UUID } from '$lib/protocol/ids';

export const match = ((param) => UUID.test(param)) satisfies ParamMatcher;
