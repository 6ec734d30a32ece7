/** The TypeScript client of kv-sim: KvClient, its options, result types and typed errors. */
export { parseAddress, type NodeAddress } from './address.js';
export type { CasResult, KvInteger, KvKey, KvValue, ScanPage, ValueFormat } from './commands.js';
export {
  KvArgumentError,
  KvClosedError,
  KvCommandError,
  KvError,
  KvProtocolError,
  KvSessionExpiredError,
  KvTimeoutError,
} from './errors.js';
export {
  KV_CLIENT_DEFAULTS,
  KvClient,
  type AsBytes,
  type AsString,
  type CallOptions,
  type KvClientOptions,
  type ReadOptions,
  type ScanOptions,
  type SetOptions,
} from './kv_client.js';
export type { ReadConsistency } from './node_pool.js';
export { MAX_SEQUENCE_SPAN } from './session.js';
