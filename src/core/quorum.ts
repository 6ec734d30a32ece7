/**
 * The value that a majority of `values` is at or above: sort descending and take the
 * majority-th element. Used for the commit index (match indexes) and read confirmation (read seqs).
 */
export function quorumValue(values: number[]): number {
  const sorted = values.slice().sort((a, b) => b - a);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}
