/** An accepted chunk's outputs, which belong from the job's input `firstInput` on. */
export interface AcceptedChunk {
	firstInput: number;
	outputs: unknown[];
}

/** Writes a chunk's outputs into a job's result, one slot per input; returns the slots it filled. */
export function placeChunk(result: unknown[], { firstInput, outputs }: AcceptedChunk): number[] {
	return outputs.map((o, k) => {
		result[firstInput + k] = o;
		return firstInput + k;
	});
}
