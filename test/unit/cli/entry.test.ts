import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEntryPoint } from '../../../shared/cli/entry.js';

describe('isEntryPoint', () => {
  let dir: string;
  let script: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'entry-'));
    await writeFile((script = join(dir, 'deploy.ts')), '');
    await writeFile(join(dir, 'other.ts'), '');
    await symlink(dir, join(dir, 'linked'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is true for the script itself, also when it was started through a symbolic link', () => {
    const url = pathToFileURL(script).href;
    expect(isEntryPoint(url, script)).toBe(true);
    expect(isEntryPoint(url, join(dir, 'linked', 'deploy.ts'))).toBe(true);
  });

  it('is false for another script, a missing one, or none', () => {
    const url = pathToFileURL(script).href;
    expect(isEntryPoint(url, join(dir, 'other.ts'))).toBe(false);
    expect(isEntryPoint(url, join(dir, 'gone.ts'))).toBe(false);
    expect(isEntryPoint(url, undefined)).toBe(false);
  });
});
