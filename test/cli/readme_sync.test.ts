/** The README's library example is a real test: this keeps the snippet and the file identical. */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';

const README = new URL('../../README.md', import.meta.url);
const EXAMPLE = new URL('./readme_example.test.ts', import.meta.url);
const MARKER = '<!-- test/cli/readme_example.test.ts -->';

/** The fenced code block right after the marker comment. */
function snippetAfterMarker(markdown: string): string | null {
  const at = markdown.indexOf(MARKER);
  if (at === -1) return null;
  const match = /^```ts\n([\s\S]*?)^```$/m.exec(markdown.slice(at + MARKER.length));
  return match?.[1] ?? null;
}

describe('README', () => {
  it('opens with the run and test commands, in that order', () => {
    const lines = readFileSync(README, 'utf8').split('\n');
    const firstCommands = lines.filter((line) => line.startsWith('npm ')).slice(0, 2);
    expect(firstCommands).toEqual(['npm install && npx kv-sim up --nodes 5', 'npm install && npm test']);
    expect(lines.slice(0, 6).join('\n')).toContain('```sh\nnpm install && npx kv-sim up --nodes 5\nnpm install && npm test\n```');
  });

  it('shows test/cli/readme_example.test.ts exactly as it is', () => {
    const snippet = snippetAfterMarker(readFileSync(README, 'utf8'));
    expect(snippet, `README.md has no \`\`\`ts block after ${MARKER}`).not.toBeNull();
    expect(snippet).toBe(readFileSync(EXAMPLE, 'utf8'));
  });
});
