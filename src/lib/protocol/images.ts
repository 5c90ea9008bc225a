/** Images as job inputs: stored on the hub first (POST /api/images), then named by their sha256. */

export const IMAGE_TYPES = ['image/png', 'image/jpeg'] as const;
export type ImageMediaType = (typeof IMAGE_TYPES)[number];

const REF = /^(?:sha256:)?([0-9a-f]{64})$/;

/** The sha256 an image input names (`sha256:<hex>` or the bare hex digest), or null if it names none. */
export function imageRefDigest(input: string): string | null {
	return REF.exec(input.trim())?.[1] ?? null;
}

export function imageRef(sha256: string): string {
	return `sha256:${sha256}`;
}
