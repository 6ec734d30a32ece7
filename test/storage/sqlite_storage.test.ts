import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlite3 from 'node-sqlite3-wasm';
import { StorageCorruption } from '../../src/ports/storage.js';
import { StorageInUse, StorageUnavailable } from '../../src/storage/errors.js';
import { SqliteStorage, sqliteFileFor } from '../../src/storage/sqlite_storage.js';
import { SCHEMA_VERSION } from '../../src/storage/sqlite_schema.js';
import type { SqliteStorageOptions } from '../../src/storage/sqlite_storage.js';
import { entries, entry, storageContract } from '../contracts/storage_contract.js';

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kv-sim-storage-'));
  temps.push(dir);
  return dir;
}

storageContract('sqlite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kv-sim-storage-'));
  return {
    open: () => new SqliteStorage({ dataDir, nodeId: 1 }),
    dispose: () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

/** Edits a closed node database with a second, raw handle (the way an operator or a bad disk might). */
function tamper(options: SqliteStorageOptions, sql: string): void {
  const db = new sqlite3.Database(sqliteFileFor(options.dataDir, options.nodeId));
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE'); // needed to read a WAL database with this driver
    db.exec(sql);
  } finally {
    db.close();
  }
}

describe('SqliteStorage', () => {
  const open: SqliteStorage[] = [];
  function openStorage(options: SqliteStorageOptions): SqliteStorage {
    const storage = new SqliteStorage(options);
    open.push(storage);
    return storage;
  }
  /** A closed database holding entries 1..5 of term 1 and a matching hard state. */
  function written(): SqliteStorageOptions {
    const options = { dataDir: tempDir(), nodeId: 1 };
    const storage = new SqliteStorage(options);
    storage.save({ hardState: { term: 1, vote: 1, commit: 3 }, entries: entries(1, 5, 1) });
    storage.close();
    return options;
  }

  afterEach(() => {
    for (const storage of open.splice(0)) storage.close();
    for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('runs in WAL mode while open', () => {
    const options = { dataDir: tempDir(), nodeId: 1 };
    openStorage(options).save({ hardState: null, entries: entries(1, 1, 1) });
    expect(existsSync(`${sqliteFileFor(options.dataDir, 1)}-wal`)).toBe(true);
  });

  it('refuses an entry whose bytes were flipped on disk, naming the file and the entry', () => {
    const options = { dataDir: tempDir(), nodeId: 1 };
    const storage = new SqliteStorage(options);
    storage.save({ hardState: null, entries: [entry(1, 1, 'first'), entry(2, 1, 'MARKER-payload-2'), entry(3, 1)] });
    storage.close(); // checkpoints the WAL into the main file
    const file = sqliteFileFor(options.dataDir, 1);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('MARKER-payload-2');
    expect(at).toBeGreaterThan(0);
    bytes[at + 7] = (bytes[at + 7] as number) ^ 0x01;
    writeFileSync(file, bytes);
    const reopened = openStorage(options);
    expect(() => reopened.load()).toThrow(StorageCorruption);
    expect(() => reopened.load()).toThrow(/node-1\.sqlite: log entry 2: checksum mismatch/);
  });

  it('refuses an altered term (the checksum covers the header too)', () => {
    const options = written();
    tamper(options, 'UPDATE entries SET term = 2 WHERE idx = 5');
    expect(() => openStorage(options).load()).toThrow(/log entry 5: checksum mismatch/);
  });

  it('refuses a log with a hole', () => {
    const options = written();
    tamper(options, 'DELETE FROM entries WHERE idx = 3');
    expect(() => openStorage(options).load()).toThrow(/log hole: expected entry 3, found 4/);
  });

  it('refuses a commit index past the end of the log (acknowledged entries lost)', () => {
    const options = written();
    tamper(options, 'DELETE FROM entries WHERE idx >= 3');
    expect(() => openStorage(options).load()).toThrow(/commit index 3 is past the last stored index 2/);
  });

  it('refuses a database of another schema version, at open', () => {
    const options = written();
    tamper(options, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    expect(() => openStorage(options)).toThrow(StorageCorruption);
    expect(() => openStorage(options)).toThrow(new RegExp(`schema version 99 .* is not one this kv-sim reads \\(versions 1 to ${SCHEMA_VERSION}\\)`));
  });

  /** Raw meta rows of a closed database. */
  function metaOf(options: SqliteStorageOptions): Record<string, unknown> {
    const db = new sqlite3.Database(sqliteFileFor(options.dataDir, options.nodeId));
    try {
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      return Object.fromEntries((db.all('SELECT key, value FROM meta') as Array<{ key: string; value: unknown }>).map((r) => [r.key, r.value]));
    } finally {
      db.close();
    }
  }

  /** Node 1's databases written by earlier releases (see fixtures/): what they hold after index 3. */
  const OLD_DATABASES = [
    {
      version: 1, // f060549: the snapshot inline in its row, a no-op entry with an empty payload
      fixture: 'schema_v1_node-1.sqlite',
      entries: [[4, ''], [5, 'entry 5 written under schema 1'], [6, 'entry 6 written under schema 1']],
      snapshot: 'snapshot bytes at index 3 under schema 1',
    },
    {
      version: 2, // 17dfe8a: the snapshot in chunk rows
      fixture: 'schema_v2_node-1.sqlite',
      entries: [4, 5, 6].map((i) => [i, `entry ${i} written under schema 2`]),
      snapshot: 'snapshot bytes at index 3 under schema 2',
    },
  ] as const;

  function copyFixture(fixture: string, nodeId: number): SqliteStorageOptions {
    const options = { dataDir: tempDir(), nodeId };
    writeFileSync(sqliteFileFor(options.dataDir, nodeId), readFileSync(fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))));
    return options;
  }

  for (const old of OLD_DATABASES) {
    it(`reads and writes a database made at schema version ${old.version}, keeping its FNV-1a checksums`, () => {
      const options = copyFixture(old.fixture, 1);
      const decode = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);
      const storage = new SqliteStorage(options);
      const state = storage.load();
      expect(state.hardState).toEqual({ term: 2, vote: 1, commit: 5 });
      expect(state.bootstrapMembership).toEqual({ voters: [1, 2, 3], learners: [] });
      expect([state.snapshot?.meta.index, decode(state.snapshot?.data)]).toEqual([3, old.snapshot]);
      expect(state.entries.map((e) => [e.index, decode(e.data)])).toEqual(old.entries);
      storage.save({ hardState: null, entries: [entry(7, 2, '', 'noop'), entry(8, 2, 'MARKER-after-upgrade')] });
      storage.saveSnapshot({ meta: { index: 7, term: 2, membership: { voters: [1, 2, 3], learners: [] } }, data: new TextEncoder().encode('snapshot at 7') });
      storage.close();
      // Version 2 is what the release before CRC-32 reads: the file stays one it can open.
      const meta = metaOf(options);
      expect(meta['schema_version']).toBe('2');
      expect(meta['checksum_algorithm']).toBeUndefined();
      const reopened = openStorage(options).load();
      expect([reopened.snapshot?.meta.index, decode(reopened.snapshot?.data)]).toEqual([7, 'snapshot at 7']);
      expect(reopened.entries.map((e) => [e.index, decode(e.data)])).toEqual([[8, 'MARKER-after-upgrade']]);
      for (const handle of open.splice(0)) handle.close();
      tamper(options, "UPDATE entries SET data = CAST('MARKER-after-upgrade!' AS BLOB) WHERE idx = 8");
      expect(() => openStorage(options).load()).toThrow(/log entry 8: checksum mismatch/);
    });
  }

  it('leaves a database it refuses as it found it (another node\'s file is not upgraded)', () => {
    for (const old of OLD_DATABASES) {
      const options = copyFixture(old.fixture, 2);
      expect(() => openStorage(options)).toThrow(/belongs to node 1, not node 2/);
      expect(metaOf(options)['schema_version']).toBe(String(old.version));
    }
  });

  it('checksums a new database with CRC-32 and refuses an unknown checksum algorithm by name', () => {
    const options = written();
    expect(metaOf(options)).toMatchObject({ checksum_algorithm: 'crc32' });
    tamper(options, "UPDATE meta SET value = 'md4' WHERE key = 'checksum_algorithm'");
    expect(() => openStorage(options)).toThrow(StorageCorruption);
    expect(() => openStorage(options)).toThrow(/unknown checksum algorithm md4 \(known: fnv1a32, crc32\)/);
  });

  it('refuses to start blank from a database file that was emptied', () => {
    const options = written();
    writeFileSync(sqliteFileFor(options.dataDir, 1), '');
    expect(() => openStorage(options)).toThrow(StorageCorruption);
    expect(() => openStorage(options)).toThrow(/node-1\.sqlite: the file exists but holds no kv-sim data .*refusing to start this node blank/);
  });

  it('starts normally after a first start was killed while it made the database (only staging files left)', () => {
    const dataDir = tempDir();
    const file = sqliteFileFor(dataDir, 1);
    writeFileSync(`${file}.new`, 'half-written schema');
    mkdirSync(`${file}.new.lock`);
    const storage = openStorage({ dataDir, nodeId: 1 });
    expect(storage.load().hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    expect([existsSync(`${file}.new`), existsSync(`${file}.new.lock`)]).toEqual([false, false]);
  });

  it('refuses to start blank when the database was removed but its WAL or lock was left', () => {
    for (const leftover of ['-wal', '.lock']) {
      const options = written();
      rmSync(sqliteFileFor(options.dataDir, 1));
      const path = `${sqliteFileFor(options.dataDir, 1)}${leftover}`;
      if (leftover === '.lock') mkdirSync(path);
      else writeFileSync(path, 'frames');
      expect(() => openStorage(options)).toThrow(new RegExp(`node-1\\.sqlite is missing but .*node-1\\.sqlite${leftover.replace('.', '\\.')} is there`));
    }
  });

  it('refuses a missing database where the caller knows the node ran before (mustExist)', () => {
    const dataDir = tempDir();
    expect(() => openStorage({ dataDir, nodeId: 2, mustExist: true })).toThrow(/node-2\.sqlite is missing, though node 2 ran before; refusing to start node 2 blank/);
    expect(existsSync(sqliteFileFor(dataDir, 2))).toBe(false);
  });

  it("refuses a first start in a directory that holds only another node's database (a wrong data dir)", () => {
    const options = written(); // node 1's
    expect(() => openStorage({ dataDir: options.dataDir, nodeId: 3 })).toThrow(
      /holds node-1\.sqlite, another node's database, and none of node 3's: is this the right data directory for node 3\?/,
    );
    expect(existsSync(sqliteFileFor(options.dataDir, 3))).toBe(false);
  });

  it("refuses another node's database and a file that is not a database", () => {
    const options = written();
    tamper(options, "UPDATE meta SET value = '7' WHERE key = 'node_id'");
    expect(() => openStorage(options)).toThrow(/belongs to node 7, not node 1/);
    writeFileSync(sqliteFileFor(options.dataDir, 2), 'this is not sqlite at all, just some text '.repeat(100));
    expect(() => openStorage({ dataDir: options.dataDir, nodeId: 2 })).toThrow(StorageCorruption);
  });

  it('refuses a database with damaged pages as corrupt, naming the file, not with a bare SQLite error', () => {
    const options = { dataDir: tempDir(), nodeId: 1 };
    const storage = new SqliteStorage(options);
    for (let index = 1; index <= 200; index++) storage.save({ hardState: { term: 1, vote: 1, commit: index }, entries: [entry(index, 1, 'x'.repeat(3000))] });
    storage.close();
    const file = sqliteFileFor(options.dataDir, options.nodeId);
    const bytes = readFileSync(file);
    const pageBytes = 4096;
    for (let i = 3 * pageBytes; i < 6 * pageBytes; i++) bytes[i] = (i * 7919) & 0xff; // pages 4 to 6
    writeFileSync(file, bytes);
    let refusal: unknown;
    try {
      openStorage(options).load();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StorageCorruption);
    expect((refusal as Error).message).toBe(`${file}: not a readable database (database disk image is malformed); refusing to serve this data`);
  });

  it('refuses a second handle on a live database with a clear "in use" error', () => {
    const options = { dataDir: tempDir(), nodeId: 1 };
    const first = openStorage(options);
    first.save({ hardState: null, entries: entries(1, 2, 1) });
    expect(() => openStorage(options)).toThrow(StorageInUse);
    expect(() => openStorage(options)).toThrow(/in use.*breakStaleLock/);
    // Breaking the lock is refused too while this thread holds the file open.
    expect(() => openStorage({ ...options, breakStaleLock: true })).toThrow(StorageInUse);
    first.save({ hardState: null, entries: entries(3, 3, 1) }); // the owner is undisturbed
    expect(first.load().entries).toHaveLength(3);
  });

  it('opens over a stale lock left by a dead owner only when told to break it', () => {
    const options = written();
    mkdirSync(`${sqliteFileFor(options.dataDir, 1)}.lock`); // what a killed process leaves behind
    expect(() => openStorage(options)).toThrow(StorageInUse);
    const recovered = openStorage({ ...options, breakStaleLock: true });
    expect(recovered.load().entries).toHaveLength(5);
  });

  it('creates a missing data directory and reports an unusable one clearly', () => {
    const dataDir = join(tempDir(), 'a', 'b');
    openStorage({ dataDir, nodeId: 3 }).bootstrap({ voters: [3], learners: [] });
    expect(existsSync(sqliteFileFor(dataDir, 3))).toBe(true);
    const notADirectory = join(tempDir(), 'plain-file');
    writeFileSync(notADirectory, 'x');
    expect(() => openStorage({ dataDir: join(notADirectory, 'data'), nodeId: 1 })).toThrow(StorageUnavailable);
    expect(() => openStorage({ dataDir: join(notADirectory, 'data'), nodeId: 1 })).toThrow(/data directory .*plain-file/);
  });

  it('keeps every acknowledged entry when the writing process is killed mid-burst', async () => {
    // The seed only shapes the writer's batches; the kill lands wherever the writer happens to be.
    const seed = 7;
    const dataDir = tempDir();
    const fixture = fileURLToPath(new URL('./fixtures/sqlite_writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: fileURLToPath(new URL('../../', import.meta.url)), // where --import finds tsx
    });
    let ackedIndex = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        let buffered = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            const match = /^acked (\d+)$/.exec(line);
            if (match !== null) ackedIndex = Number(match[1]);
          }
          if (ackedIndex >= 2000) resolve();
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      }),
      30_000,
      'writer to acknowledge 2000 entries',
    );
    child.kill('SIGKILL');
    expect(await withDeadline(exited, 10_000, 'writer to die')).toBe('SIGKILL');

    expect(() => new SqliteStorage({ dataDir, nodeId: 1 })).toThrow(StorageInUse); // its lock is left behind
    const state = openStorage({ dataDir, nodeId: 1, breakStaleLock: true }).load(); // checks every checksum
    const lastIndex = state.entries.at(-1)?.index ?? 0;
    expect(lastIndex).toBeGreaterThanOrEqual(ackedIndex);
    expect(state.entries.map((e) => e.index)).toEqual(Array.from({ length: lastIndex }, (_, i) => i + 1));
    expect(state.bootstrapMembership).toEqual({ voters: [1], learners: [] });
  }, 60_000);
});

async function withDeadline<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
