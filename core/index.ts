/**
 * The feed's rules, pure: topics, payloads, readings, stream records and the table layout. Imported by the bridge,
 * the functions, the CDK app and the local runner. Nothing here does I/O or imports `mqtt` or `@aws-sdk/*`.
 */
export * from './rejection';
export * from './topic';
export * from './decimal';
export * from './timestamp';
export * from './payload';
export * from './reading';
export * from './stream-record';
export * from './table-layout';
export * from './raw-archive';
export * from './replay';
export * from './lanes';
