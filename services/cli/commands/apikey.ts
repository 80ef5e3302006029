import type { Command } from 'commander';

/** PLACEHOLDER (being built by the API work). */
export function registerApikeyCommand(_program: Command): void {}
