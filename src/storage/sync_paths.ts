/** Syncing a whole file, or a directory's entries (so a new or renamed name survives a power loss). */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { platform } from 'node:process';

function syncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writable: Windows refuses to sync a read-only handle. */
export function syncFile(path: string): void {
  syncPath(path, 'r+');
}

/** A no-op on Windows, which cannot open a directory (and keeps names durable by itself). */
export function syncDirectory(dir: string): void {
  if (platform !== 'win32') syncPath(dir, 'r');
}
