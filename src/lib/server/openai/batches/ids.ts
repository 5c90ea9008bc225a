/** The ids of files and batches, OpenAI-like; a path segment that is not one is a 404 before any query. */
import { createHash, randomBytes } from 'node:crypto';

export const FILE_ID = /^file-[0-9a-f]{24}$/;
export const BATCH_ID = /^batch_[0-9a-f]{32}$/;

export const newFileId = () => `file-${randomBytes(12).toString('hex')}`;
export const newBatchId = () => `batch_${randomBytes(16).toString('hex')}`;

/** A batch's output or error file id, derived from the batch's: finalising twice (two hub processes, a retry) writes one file. */
export const resultFileId = (batchId: string, kind: 'output' | 'error') =>
	`file-${createHash('sha256').update(`${batchId}:${kind}`).digest('hex').slice(0, 24)}`;
