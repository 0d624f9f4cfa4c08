// Loads the metrics part only when it is on: prom-client and its collectors cost a daemon that
// nobody scrapes memory and start-up time for nothing.
import type { DaemonMetrics } from './daemon-metrics.js';

/** The daemon's metrics as configured; undefined when `metrics.enabled` is off. */
export async function loadMetrics(config: {
  metrics: { enabled: boolean; libp2p: boolean };
  dataDir: string;
}): Promise<DaemonMetrics | undefined> {
  if (!config.metrics.enabled) return undefined;
  const { DaemonMetrics } = await import('./daemon-metrics.js');
  return new DaemonMetrics({ libp2p: config.metrics.libp2p, dataDir: config.dataDir });
}
