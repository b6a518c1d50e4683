import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMarketing } from '../../../data/generators/marketing.js';
import { generatorFingerprint, marketingInput } from '../../bench/lib/inputs.js';

describe('marketingInput', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-inputs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates the file once, named by rows, seed and generator fingerprint, and reuses it', async () => {
    const lines: string[] = [];
    const first = await marketingInput(dir, 2000, 4, (line) => lines.push(line));
    expect(basename(first.path)).toBe(`marketing-2k-s4-${generatorFingerprint()}.csv`);
    expect((await readFile(first.path)).equals(Buffer.concat([...generateMarketing({ rows: 2000, seed: 4 })]))).toBe(true);
    expect(first.bytes).toBe((await stat(first.path)).size);
    const modified = (await stat(first.path)).mtimeMs;

    const again = await marketingInput(dir, 2000, 4, (line) => lines.push(line));
    expect(again).toEqual(first);
    expect((await stat(first.path)).mtimeMs).toBe(modified);
    expect(lines).toHaveLength(1);
  });

  it('keeps files of other seeds apart', async () => {
    const a = await marketingInput(dir, 100, 1);
    const b = await marketingInput(dir, 100, 2);
    expect(a.path).not.toBe(b.path);
  });
});

describe('generatorFingerprint', () => {
  it('is eight hex digits, the same on every call', () => {
    expect(generatorFingerprint()).toMatch(/^[0-9a-f]{8}$/);
    expect(generatorFingerprint()).toBe(generatorFingerprint());
  });
});
