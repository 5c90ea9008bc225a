export * from './models';
export * from './jobs';
export * from './volunteers';
