#!/usr/bin/env node
// The `pipeline` command. It runs the TypeScript sources directly through tsx's loader, so the
// CLI works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on Node 20 about its 2027 releases; the CLI's users cannot act on it
// (Lambda runs Node 22), so it is silenced unless the user set the variable themselves.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
