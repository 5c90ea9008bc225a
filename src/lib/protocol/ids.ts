/**
 * The shapes of the ids in URLs. The route param matchers (src/params/) test them, in the browser's
 * router too, so this module depends on nothing; the hub's own checks use the same patterns.
 */

/** Job ids (any UUID; the database makes them). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Content digests, lowercase hex: the names of model files and images. */
export const SHA256 = /^[0-9a-f]{64}$/;

/** Node and volunteer ids: a name a seed-style agent chose at POST /nodes/register, or a UUID the hub issued. */
export const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const NODE_ID_RULE = 'letters, digits, dot, dash or underscore, at most 100';
