import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';

export interface TrainerService {
  checks: HealthCheck[];
  /** stops the schedule, aborting a run in progress, then releases every adapter it opened */
  close(): Promise<void>;
}

/** The trainer's composition root (placeholder until the service lands). */
export async function openTrainerService(config: Config, log: Logger, registry: Registry): Promise<TrainerService> {
  void config;
  void log;
  void registry;
  throw new Error('trainer service not built yet');
}
