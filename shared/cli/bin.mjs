#!/usr/bin/env node
// The `pipeline` command. It runs the TypeScript sources directly through tsx's loader, so the
// CLI works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
