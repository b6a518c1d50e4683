/**
 * Whether a module is the script Node.js was started with, for the scripts that are both a
 * command and a module (`tsx localstack/deploy.ts`, `tsx shared/kafka-broker/cli.ts`).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * True when `moduleUrl` (the caller's `import.meta.url`) is the file of `process.argv[1]`. Both
 * are compared as real paths: Node.js resolves symbolic links in a module's URL but not in
 * `argv`, so a checkout reached through a link would otherwise run nothing.
 *
 * @example
 * if (isEntryPoint(import.meta.url)) await main(process.argv.slice(2));
 */
export function isEntryPoint(moduleUrl: string, script: string | undefined = process.argv[1]): boolean {
  if (script === undefined || script === '') return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
