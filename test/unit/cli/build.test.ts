import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM without types: the build script that npm's prepare runs
import { freshBundle } from '../../../shared/cli/build.mjs';

/** A checkout with one source and a bundle built at `builtAt` from it. */
async function checkout(builtAt: number, sourceTime: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cli-bundle-'));
  await mkdir(join(root, 'shared', 'cli'), { recursive: true });
  await mkdir(join(root, 'dist'), { recursive: true });
  const source = join(root, 'shared', 'cli', 'main.ts');
  await writeFile(source, 'export {};\n');
  await utimes(source, sourceTime / 1000, sourceTime / 1000);
  await writeFile(join(root, 'dist', 'inputs.json'), JSON.stringify({ builtAt, inputs: ['shared/cli/main.ts'] }));
  return root;
}

describe('freshBundle', () => {
  it('names the bundle while no source it was built from is newer than it', async () => {
    const root = await checkout(Date.now(), Date.now() - 60_000);
    expect(freshBundle(root)).toMatch(/dist\/shared\/cli\/main\.js$/);
  });

  it('answers undefined when a source changed after the build, so the CLI runs the sources', async () => {
    const root = await checkout(Date.now() - 60_000, Date.now());
    expect(freshBundle(root)).toBeUndefined();
  });

  it('answers undefined without a bundle, or when a source it was built from is gone', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cli-bundle-'));
    expect(freshBundle(empty)).toBeUndefined();
    const root = await checkout(Date.now(), Date.now() - 60_000);
    await writeFile(join(root, 'dist', 'inputs.json'), JSON.stringify({ builtAt: Date.now(), inputs: ['shared/cli/gone.ts'] }));
    expect(freshBundle(root)).toBeUndefined();
  });
});
