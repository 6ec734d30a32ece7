/**
 * The signals that ask a command to stop. The first one aborts `signal` and settles `requested`
 * with its name: the command winds down and cleans up (workers, ports, data dirs). A second one
 * means "now": the process exits with 130, which ends every worker and socket with it.
 */
export type StopSignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export interface StopRequests {
  signal: AbortSignal;
  /** Settles with the first signal's name. */
  requested: Promise<StopSignalName>;
  /** Removes the handlers (signals then act as they would without them). */
  dispose(): void;
}

export function listenForStop(names: readonly StopSignalName[]): StopRequests {
  const controller = new AbortController();
  let settle: (name: StopSignalName) => void = () => {};
  const requested = new Promise<StopSignalName>((resolve) => {
    settle = resolve;
  });
  const onSignal = (name: StopSignalName): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(name);
    settle(name);
  };
  for (const name of names) process.on(name, onSignal);
  return {
    signal: controller.signal,
    requested,
    dispose: () => {
      for (const name of names) process.off(name, onSignal);
    },
  };
}
