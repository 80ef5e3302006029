import type { Command } from 'commander';

/** `gibs-embed reembed` (placeholder: being built). */
export function registerReembedCommand(program: Command): void {
  void program;
}
