/** The session's sequence numbers stay within the server's retry window of every unfinished write. */
import { describe, expect, it } from 'vitest';
import { ClientSession } from '../../src/client/session.js';

describe('ClientSession', () => {
  it('numbers writes 1, 2, 3... and keeps a retried write inside the window', async () => {
    const session = new ClientSession(4);
    const far = Date.now() + 1000;
    const tickets = [await session.begin(far), await session.begin(far), await session.begin(far), await session.begin(far)];
    expect(tickets.map((t) => t?.sequence)).toEqual([1, 2, 3, 4]);
    // Writes 2..4 finish but 1 is still retrying: 5 would be 4 above it, outside a span of 4.
    for (const ticket of tickets.slice(1)) session.end(ticket!);
    expect(await session.begin(Date.now() + 30)).toBeNull();
    const waiting = session.begin(far);
    session.end(tickets[0]!);
    expect((await waiting)?.sequence).toBe(5);
  });

  it('starts a fresh session at sequence 1 after the server expired it', async () => {
    const session = new ClientSession();
    const first = await session.begin(Date.now() + 1000);
    const id = session.sessionId;
    session.renew(id);
    expect(session.sessionId).not.toBe(id);
    expect((await session.begin(Date.now() + 1000))?.sequence).toBe(1);
    session.end(first!); // the old session's ticket ends harmlessly
    session.renew(id); // a second SESSIONEXPIRED for the old id does not renew again
    expect((await session.begin(Date.now() + 1000))?.sequence).toBe(2);
  });
});
