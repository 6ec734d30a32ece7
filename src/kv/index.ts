/** The key-value state machine: commands, their binary codec, and the StateMachine implementation. */
export {
  decodeProposal,
  decodeQuery,
  decodeResults,
  encodeProposal,
  encodeQuery,
  encodeResult,
  encodeResults,
  KV_CODEC_VERSION,
  type Decoded,
} from './command_codec.js';
export {
  isWrite,
  KV_ERRORS,
  type Bytes,
  type KvCommand,
  type KvItem,
  type KvRead,
  type KvResult,
  type KvWrite,
  type SessionTag,
} from './commands.js';
export { globMatch } from './glob.js';
export { KvStateMachine, QUERY_RESULT_BYTES_MAX, type KvStateMachineOptions } from './kv_state_machine.js';
export { ANSWER_BYTES_MAX, isAnswerTooLarge } from './result_bytes.js';
export { DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_WINDOW } from './session_table.js';
export { KV_SNAPSHOT_VERSION } from './snapshot_codec.js';
