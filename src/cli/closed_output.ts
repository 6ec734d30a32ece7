/**
 * A reader that goes away (`kv-sim up | head -1`, a closed terminal) makes the next write to
 * stdout or stderr fail with EPIPE, reported as an 'error' event on the stream. Unheard, that event
 * kills the process with a stack trace before any cleanup: workers, ports and a temporary data dir
 * were left behind. Heard here, it is a request to stop, as SIGHUP is: commands that run until
 * stopped subscribe (listenForStop) and wind down as usual; whatever they still write goes nowhere,
 * since a destroyed stream drops later writes without another event.
 */
const subscribers = new Set<() => void>();
let watching = false;

/** Listens on stdout and stderr, once per process; main() calls it before any command writes. */
export function watchForClosedOutput(): void {
  if (watching) return;
  watching = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Any other write failure stays what it was without a listener: a crash that says why.
      if (error.code !== 'EPIPE') throw error;
      for (const subscriber of subscribers) subscriber();
    });
  }
}

/** Calls `subscriber` when stdout or stderr is closed by its reader; returns the unsubscribe. */
export function onClosedOutput(subscriber: () => void): () => void {
  watchForClosedOutput();
  subscribers.add(subscriber);
  return () => {
    subscribers.delete(subscriber);
  };
}
