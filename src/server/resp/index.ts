/** The Redis-protocol front end of a node. */
export type { KvBackend, KvBackendInfo, KvResultsOutcome } from './backend.js';
export { RespConnection, type ConnectionIo } from './connection.js';
export { REDIS_COMPAT_VERSION, RESP_CLIENT_ID_MAX_BYTES } from './dispatch.js';
export { RespServer, type RespServerOptions } from './resp_server.js';
