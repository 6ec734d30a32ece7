import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createLogSink } from '../../src/logging/logger.js';

function listenersOn(stream: PassThrough): number {
  return stream.eventNames().reduce((sum, name) => sum + stream.listenerCount(name), 0);
}

describe('pretty log output on a terminal', () => {
  it('shares one stream per destination however many workers, restarts and clusters use it', () => {
    const terminal = new PassThrough();
    createLogSink('pretty', terminal);
    const afterOne = listenersOn(terminal);
    for (let i = 0; i < 20; i++) {
      createLogSink('pretty', terminal);
      createLogger({ level: 'info', format: 'pretty', destination: terminal });
    }
    // Each stream of its own added listeners to the terminal for good: ~5 per worker start.
    expect(listenersOn(terminal)).toBe(afterOne);
  });

  it('still turns JSON lines from several sources into readable lines', async () => {
    const terminal = new PassThrough();
    let text = '';
    terminal.on('data', (chunk: Buffer) => (text += chunk.toString()));
    createLogSink('pretty', terminal).write(`${JSON.stringify({ level: 30, time: 0, node: 1, msg: 'node started' })}\n`);
    createLogger({ level: 'info', format: 'pretty', destination: terminal, bindings: { component: 'supervisor' } }).info({}, 'cluster started');
    await new Promise((resolve) => setImmediate(resolve));
    expect(text).toMatch(/INFO.*node started/);
    expect(text).toMatch(/INFO.*cluster started/);
  });
});
