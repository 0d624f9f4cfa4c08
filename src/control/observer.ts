// What the control API reports about its own work, for metrics. Every method is optional: a
// server without an observer (tests, tools) reports nothing.

export interface ControlObserver {
  /** A request was answered with an error: its `error` code (bad_request, not_found, unavailable...). */
  rejected?(code: string): void;
  /** Event-stream clients connected now, after one connected or left. */
  eventClients?(count: number): void;
}
