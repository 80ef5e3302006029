import type { Command } from 'commander';

/** `gibs-embed search` (placeholder: being built). */
export function registerSearchCommand(program: Command): void {
  void program;
}
