/**
 * Errors of the storage implementations beyond the port's StorageCorruption. Kept apart from the
 * SQLite module so callers can recognise them without loading the wasm database.
 */

/** The database is held by another handle, or by a process that died holding its lock. */
export class StorageInUse extends Error {
  override name = 'StorageInUse';
}

/** The data directory or file cannot be created, read or written (permissions, not a directory...). */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
}
