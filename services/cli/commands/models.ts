import type { Command } from 'commander';

/** `gibs-embed models` (placeholder: being built). */
export function registerModelsCommand(program: Command): void {
  void program;
}
