import type { Entry } from '../core/types.js';
import { assert } from '../lib/assert.js';

/**
 * Preconditions every storage implementation checks on save, so that memory and SQLite fail
 * the same way on the same caller bug. A violation is a bug in the caller (the driver or the
 * core), never bad user input, hence assertions.
 *
 * @param snapshotIndex index covered by the stored snapshot (0 when none)
 * @param lastIndex     index of the last stored entry, or snapshotIndex when there is none
 */
export function checkAppend(entries: readonly Entry[], snapshotIndex: number, lastIndex: number): void {
  const first = entries[0];
  if (first === undefined) return;
  assert(
    first.index > snapshotIndex,
    () => `save: entry ${first.index} is already covered by the snapshot at ${snapshotIndex}`,
  );
  assert(
    first.index <= lastIndex + 1,
    () => `save: entry ${first.index} would leave a hole after the last stored index ${lastIndex}`,
  );
  for (let i = 1; i < entries.length; i++) {
    const entry = entries[i] as Entry;
    assert(
      entry.index === first.index + i,
      () => `save: entries are not contiguous (index ${entry.index} at position ${i} after ${first.index})`,
    );
  }
}
