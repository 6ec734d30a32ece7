/**
 * Whether a process with this id runs on this machine: for the claims kv-sim processes leave in
 * files (a data dir's owner, a port block), which a claimant that was killed cannot remove. Like
 * make_directory.ts, for the runtime and the CLI only; the pure layers never ask.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user, which still means "in use".
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
