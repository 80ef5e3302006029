import type { Command } from 'commander';

/** `gibs-embed stats` (placeholder: being built). */
export function registerStatsCommand(program: Command): void {
  void program;
}
