/**
 * The signals that ask a command to stop, and a closed stdout or stderr (closed_output.ts), which
 * asks the same. The first request aborts `signal` and settles `requested` with its name: the
 * command winds down and cleans up (workers, ports, data dirs). A second signal means "now": the
 * process exits with 130, which ends every worker and socket with it.
 */
import { onClosedOutput } from './closed_output.js';

export type StopSignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export type StopReason = StopSignalName | 'output-closed';

export interface StopRequests {
  signal: AbortSignal;
  /** Settles with the first request's name. */
  requested: Promise<StopReason>;
  /** Removes the handlers (signals then act as they would without them). */
  dispose(): void;
}

export function listenForStop(names: readonly StopSignalName[]): StopRequests {
  const controller = new AbortController();
  let settle: (reason: StopReason) => void = () => {};
  const requested = new Promise<StopReason>((resolve) => {
    settle = resolve;
  });
  const request = (reason: StopReason): void => {
    controller.abort(reason);
    settle(reason);
  };
  const onSignal = (name: StopSignalName): void => {
    if (controller.signal.aborted) process.exit(130);
    request(name);
  };
  for (const name of names) process.on(name, onSignal);
  // Output closing twice (stdout, then stderr) is one request, never the "now" of a second signal.
  const offClosedOutput = onClosedOutput(() => {
    if (!controller.signal.aborted) request('output-closed');
  });
  return {
    signal: controller.signal,
    requested,
    dispose: () => {
      for (const name of names) process.off(name, onSignal);
      offClosedOutput();
    },
  };
}
