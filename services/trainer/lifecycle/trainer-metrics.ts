import { Counter, Gauge, type Registry } from 'prom-client';

/** How a run ended: see CycleOutcome; 'busy' = a tick that found the previous run still going, 'failed' = it threw. */
export type RunOutcome = 'promoted' | 'kept' | 'skipped' | 'aborted' | 'failed' | 'busy';

/** What the trainer reports to Prometheus; built on the process registry by the composition root. */
export interface TrainerMetrics {
  runs: Counter<'outcome'>;
  lastRunSeconds: Gauge;
  promotions: Counter;
}

export function createTrainerMetrics(registry: Registry): TrainerMetrics {
  const registers = [registry];
  return {
    runs: new Counter({
      name: 'gibs_embed_trainer_runs_total',
      help: 'Training runs (and skipped ticks) by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    lastRunSeconds: new Gauge({
      name: 'gibs_embed_trainer_last_run_seconds',
      help: 'Wall time of the last training run, evaluation included',
      registers,
    }),
    promotions: new Counter({
      name: 'gibs_embed_trainer_promotions_total',
      help: 'Checkpoints the evaluation gate promoted',
      registers,
    }),
  };
}
