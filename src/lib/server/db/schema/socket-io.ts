import { bigserial, customType, pgTable, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * Owned by @socket.io/postgres-adapter, which carries Socket.IO broadcasts between hub processes
 * through PostgreSQL's NOTIFY and parks payloads too large for a notification here. Declared in the
 * schema so migrations create it (its README would create it at run time) under the name it expects.
 */
export const socketIoAttachments = pgTable('socket_io_attachments', {
	id: bigserial('id', { mode: 'number' }).unique(),
	createdAt: timestamp('created_at', { withTimezone: true }).defaultNow(),
	payload: bytea('payload')
});
