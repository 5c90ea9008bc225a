import type { ParamMatcher } from '@sveltejs/kit';
import { SHA256 } from '$lib/protocol/ids';

export const match = ((param) => SHA256.test(param)) satisfies ParamMatcher;
