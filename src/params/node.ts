import type { ParamMatcher } from '@sveltejs/kit';
import { NODE_ID } from '$lib/protocol/ids';

export const match = ((param) => NODE_ID.test(param)) satisfies ParamMatcher;
