import type { Command } from 'commander';

/** PLACEHOLDER (being built by the API work). */
export function registerServeCommand(_program: Command): void {}
