/** What a checker reports; the simulator stops the run at the first one. */
export interface Violation {
  checker: string;
  message: string;
  timeMs: number;
}

export type ReportViolation = (checker: string, message: string) => void;
