#!/usr/bin/env node
// The `pipeline` command. It runs the bundle that `npm ci` built into dist/ (shared/cli/build.mjs)
// while no source is newer than it, else the TypeScript sources directly through tsx's loader, so
// the CLI works right after `npm ci` and right after an edit, with no build step to remember.
import { freshBundle } from './build.mjs';

// The AWS SDK warns on Node 20 about its 2027 releases; the CLI's users cannot act on it
// (Lambda runs Node 22), so it is silenced unless the user set the variable themselves.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const bundle = freshBundle();
let main;
if (bundle !== undefined) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv);
