/**
 * Test helpers for the chaos report: the files are there and well formed, the page references
 * nothing outside itself, and (when Debian's chromium is installed) it renders in headless
 * Chromium: the DOM it builds holds the verdict and the timeline, and a screenshot is taken.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { parseHistoryJsonLines } from '../../src/check/history_jsonl.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_TIMEOUT_MS = 60_000;

/** Checks the three files; returns the parsed summary. */
export function checkReportFiles(dir: string, operations: number): Record<string, unknown> {
  const parsed = parseHistoryJsonLines(readFileSync(join(dir, 'history.jsonl'), 'utf8'));
  expect(parsed.ok).toBe(true);
  if (parsed.ok) expect(parsed.history.length).toBe(operations);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).toContain('<svg');
  // Self-contained: no URL that would fetch anything (the SVG namespace is an identifier, not a fetch).
  const withoutNamespace = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
  expect(withoutNamespace).not.toMatch(/\b(src|href)\s*=|url\(|@import|https?:\/\//i);
  return summary;
}

function runChromium(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chromium did not finish within ${CHROMIUM_TIMEOUT_MS} ms; stderr: ${stderr.slice(-500)}`));
    }, CHROMIUM_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Renders index.html in headless Chromium: the DOM must hold `expectText` and an SVG; a screenshot
 * goes next to the report (screenshot.png). Returns false (and says why) when Chromium is missing.
 */
export async function renderInChromium(dir: string, expectText: string): Promise<boolean> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.log(`Chromium part skipped: ${CHROMIUM_PATH} does not exist (install Debian's chromium package); checked that the page parses and references only itself`);
    return false;
  }
  const url = pathToFileURL(join(dir, 'index.html')).href;
  const profile = mkdtempSync(join(tmpdir(), 'kv-sim-chromium-'));
  const common = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', `--user-data-dir=${profile}`];
  try {
    const dom = await runChromium([...common, '--dump-dom', url]);
    expect(dom.code).toBe(0);
    expect(dom.stdout).toContain(expectText);
    expect(dom.stdout).toContain('<svg');
    const png = join(dir, 'screenshot.png');
    const shot = await runChromium([...common, '--window-size=1300,1000', `--screenshot=${png}`, url]);
    expect(shot.code).toBe(0);
    expect(statSync(png).size).toBeGreaterThan(10_000);
    console.log(`rendered in headless Chromium; screenshot at ${png}`);
    return true;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
