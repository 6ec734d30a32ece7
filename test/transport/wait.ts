/**
 * Waits on a condition fed by real I/O events, with a bounded deadline. It checks after every
 * turn of the event loop (a few ms at most), so it returns as soon as the event has happened.
 */
export async function waitUntilReal(done: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = performance.now() + deadlineMs;
  while (!done()) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return true;
}
