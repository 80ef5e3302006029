/**
 * The codes of the errors shared/metrics throws, written once.
 */
export const metricsErrorCodes = {
  /** the ops server (/metrics, /healthz) cannot listen; retriable when the port is in use */
  opsListen: 'OPS_LISTEN',
} as const;

export type MetricsErrorCode = (typeof metricsErrorCodes)[keyof typeof metricsErrorCodes];
