/** A backup of this hub's data while it runs (admin only): see README "Backups" and server/backup/. */
import { Readable } from 'node:stream';
import { recordAudit } from '$lib/server/audit/audit-log';
import { backupRunningHub } from '$lib/server/backup/take-backup';
import { ApiError, requireAdmin, withApiErrors } from '$lib/server/http/api';
import type { RequestHandler } from './$types';

/** Streams the archive (application/gzip); one at a time per hub process (409 while another is made). */
export const POST: RequestHandler = withApiErrors(async (event) => {
	const {
		request,
		locals: { hub }
	} = event;
	await requireAdmin(hub, request);
	const backup = await backupRunningHub(hub);
	if (!backup) throw new ApiError(409, 'a backup is already being made; try again when it ends');
	const { manifest } = backup;
	await recordAudit(hub.db, {
		actor: 'admin',
		action: 'backup.created',
		target: null,
		detail: { database: manifest.database, files: manifest.files.length, bytes: manifest.files.reduce((n, f) => n + f.size, 0) },
		clientAddress: event.getClientAddress()
	});
	const stamp = manifest.created_at.replace(/[:.]/g, '-');
	return new Response(Readable.toWeb(backup.archive) as ReadableStream<Uint8Array>, {
		headers: {
			'content-type': 'application/gzip',
			'content-disposition': `attachment; filename="exostack-backup-${stamp}.tar.gz"`,
			'cache-control': 'no-store',
			'x-exostack-backup-database': manifest.database
		}
	});
});
