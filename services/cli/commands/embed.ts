import type { Command } from 'commander';

/** `gibs-embed embed` (placeholder: being built). */
export function registerEmbedCommand(program: Command): void {
  void program;
}
