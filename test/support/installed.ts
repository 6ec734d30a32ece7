import { execFileSync } from 'node:child_process';

/** Whether a command (a Debian tool such as redis-cli or curl) is on PATH; tests that need it skip, saying so, when not. */
export function installed(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
