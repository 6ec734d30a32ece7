/**
 * Loads a node's settings from a YAML file, flags and KV_SIM_* variables (yargs has already merged
 * those two, flags winning), with flags winning over the file. Every mistake, from an unreadable
 * file to a duplicate port, becomes one ConfigError line that names its source.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { checkSettings, SETTING_KEYS, type NodeSettings, type RawSettings, type SettingKey } from './node_settings.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadOptions {
  /** The YAML file, when there is one. */
  configPath?: string;
  /** Values from flags or the environment, by setting key; undefined = not given. */
  overrides: RawSettings;
  /** Relative paths given as flags are taken from here. */
  cwd: string;
}

export function loadNodeSettings(options: LoadOptions): NodeSettings {
  const fromFile = options.configPath === undefined ? {} : readConfigFile(options.configPath);
  const overrides = definedOnly(options.overrides);
  const merged: RawSettings = { ...fromFile, ...overrides };
  const checked = checkSettings(merged);
  if (!checked.ok) {
    const key = SETTING_KEYS.find((name) => checked.error.startsWith(`${name} `) || checked.error.startsWith(`${name}:`));
    const source = key === undefined ? '' : describeSource(key, overrides, options.configPath);
    throw new ConfigError(`invalid node config: ${checked.error}${source}`);
  }
  // A data dir in the file is relative to the file, like a path in any config; a flag, to the shell.
  const base = overrides['data-dir'] === undefined && options.configPath !== undefined ? dirname(resolve(options.cwd, options.configPath)) : options.cwd;
  const dataDir = isAbsolute(checked.value.dataDir) ? checked.value.dataDir : resolve(base, checked.value.dataDir);
  return { ...checked.value, dataDir };
}

function describeSource(key: SettingKey, overrides: RawSettings, configPath: string | undefined): string {
  if (overrides[key] !== undefined) return ` (from --${key} or KV_SIM_${key.replace(/-/g, '_').toUpperCase()})`;
  return configPath === undefined ? '' : ` (in ${configPath})`;
}

function definedOnly(values: RawSettings): RawSettings {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as RawSettings;
}

/** Reads and parses the file: a YAML map whose keys are all known settings. */
export function readConfigFile(path: string): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0]?.line;
      // The message's first line, without its own position (given once, up front).
      const what = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`config file ${path} is not valid YAML${line === undefined ? '' : ` (line ${line})`}: ${what}`);
    }
    throw new ConfigError(`config file ${path} is not valid YAML: ${String(error)}`);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`config file ${path} must be a map of settings (key: value lines)`);
  }
  const known: readonly string[] = SETTING_KEYS;
  for (const key of Object.keys(document)) {
    if (!known.includes(key)) {
      const hint = suggest(key, known);
      throw new ConfigError(`config file ${path}: unknown key '${key}'${hint === null ? '' : ` (did you mean '${hint}'?)`}; known keys: ${known.join(', ')}`);
    }
  }
  return document as RawSettings;
}

/** The known key closest to a misspelt one (snake_case and camelCase forms included), if close. */
function suggest(key: string, known: readonly string[]): string | null {
  const normal = key.replace(/_/g, '-').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    const distance = editDistance(normal, name);
    if (best === null || distance < best.distance) best = { name, distance };
  }
  return best !== null && best.distance <= 2 ? best.name : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
