/** The pure RESP codec, shared by the server front end and the TypeScript client. */
export { ByteQueue } from './byte_queue.js';
export { parseBigInteger, parseSafeInteger } from './decimal.js';
export { splitInline } from './inline_split.js';
export { RESP_MAX_REPLY_DEPTH, RespReplyParser } from './reply_parser.js';
export {
  DEFAULT_REQUEST_LIMITS,
  RESP_MAX_ARRAY_LENGTH,
  RESP_MAX_BUFFERED_BYTES,
  RESP_MAX_BULK_BYTES,
  RESP_MAX_INLINE_BYTES,
  RespRequestParser,
  type RequestParserLimits,
} from './request_parser.js';
export { fromUtf8, resp, utf8, type ParseStep, type RespProtocol, type RespValue } from './resp_types.js';
export { encodeCommand, encodeReply, RespWriter } from './writer.js';
