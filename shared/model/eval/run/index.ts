export { gatePrimary, runEval } from './run-eval.js';
export type { RunEvalOptions, RunEvalResult } from './run-eval.js';
