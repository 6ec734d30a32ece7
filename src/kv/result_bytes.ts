/**
 * What one answer weighs, for the bound on a query's answers (QUERY_RESULT_BYTES_MAX): the bytes
 * of its values, keys and text; fixed-size answers count a few bytes each.
 */
import type { KvResult } from './commands.js';

const FIXED_RESULT_BYTES = 8;

export function resultBytes(result: KvResult): number {
  switch (result.type) {
    case 'bulk':
      return result.value.length;
    case 'values':
      return result.values.reduce((sum, value) => sum + FIXED_RESULT_BYTES + (value?.length ?? 0), 0);
    case 'keys':
    case 'scan':
      return result.keys.reduce((sum, key) => sum + FIXED_RESULT_BYTES + key.length, 0);
    case 'cas':
      return FIXED_RESULT_BYTES + (result.current?.length ?? 0);
    case 'error':
      return result.message.length;
    case 'ok':
    case 'null':
    case 'integer':
    case 'deferred':
      return FIXED_RESULT_BYTES;
  }
}
