export * from './models';
export * from './jobs';
export * from './volunteers';
export * from './socket-io';
export * from './rate-windows';
export * from './submitters';
export * from './webhooks';
export * from './batches';
