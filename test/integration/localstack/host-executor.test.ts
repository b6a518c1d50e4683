/**
 * The host Lambda executor's own suite (localstack/host-executor/tests, pytest): the executor and
 * the Node.js runtime against real Node processes, no LocalStack server. It runs in the venv that
 * `npm run local:up` makes (LocalStack's Python packages are its imports); without that venv it
 * skips, loudly, and under CI=true it fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const python = `${root}localstack/.venv/bin/python`;
const present = existsSync(python);
if (!present) {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${python} does not exist: run \`npm run local:up\` first`);
  process.stderr.write(`\n!!! no LocalStack venv (${python}): the host executor's pytest suite is SKIPPED (\`npm run local:up\` makes it) !!!\n\n`);
}

describe.skipIf(!present)('the host Lambda executor', () => {
  it('passes its pytest suite', () => {
    const run = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'localstack/host-executor/tests'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/\d+ passed/);
    expect(run.stdout).not.toMatch(/failed|error/);
  }, 200_000);
});
