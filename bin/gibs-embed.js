#!/usr/bin/env node
// The installed entry point: registers tsx so the TypeScript sources run as they are, then hands over
// to the CLI. (Equivalent to `tsx services/cli/main.ts`.)
import { register } from 'tsx/esm/api';

register();
await import('../services/cli/main.ts');
