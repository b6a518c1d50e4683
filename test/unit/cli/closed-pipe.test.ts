/**
 * Output to a closed pipe: the real `pipeline` command writing into a real shell pipe whose reader
 * (`head`) leaves early ends quietly with exit code 0, as Unix tools do.
 */
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcMessages } from '../../../data/generators/cdc.js';
import { FolderStore } from '../../../shared/adapters/folder-store.js';
import { readCustomers } from '../../../shared/cdc/customers.js';
import { CdcService } from '../../../shared/cdc/index.js';
import { endQuietlyOnClosedPipe } from '../../../shared/cli/closed-pipe.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const sampleFile = join(repoRoot, 'test', 'fixtures', 'cdc', 'cleaned-sample.csv');

describe('output to a closed pipe', () => {
  let dir: string;
  let big: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'closed-pipe-'));
    const text = await readFile(sampleFile, 'utf8');
    const customers = await readCustomers(new TextEncoder().encode(text), 'cleaned-sample.csv');
    const service = new CdcService({ store: new FolderStore(dir), modelName: 'response', log: 'kafka.test' });
    await service.handle([...cdcMessages({ customers, count: 50, seed: 2 })].map((m, offset) => ({ topic: 'customer_updates', partition: 0, offset, key: m.key, value: m.value })));
    // 20,000 customers: far more output than a pipe buffers, so the writer meets the closed pipe
    const [header, ...rows] = text.trim().split('\n');
    const lines = [header!];
    for (let i = 0; i < 20_000; i++) lines.push(rows[i % rows.length]!.replace(/^\d+/, String(1_000 + i)));
    big = join(dir, 'cleaned.csv');
    await writeFile(big, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('`pipeline model predict --file cleaned.csv | head -3` prints three lines and the command exits 0 without a word on stderr', () => {
    const shell = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" shared/cli/bin.mjs model predict --file "${big}" | head -3`], {
      cwd: repoRoot,
      env: { ...process.env, PIPELINE_DATA_DIR: dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(shell.stderr).toBe('');
    expect(shell.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^ID,score,predicted$/), expect.stringMatching(/^1000,/), expect.stringMatching(/^1001,/)]);
    // with pipefail, the pipeline's status is the first non-zero one: the pipeline command's own
    expect(shell.status).toBe(0);
  });

  it('exits 0 on EPIPE and rethrows any other stream error', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WritableStream;
    const codes: number[] = [];
    endQuietlyOnClosedPipe([stream], (code) => codes.push(code));
    endQuietlyOnClosedPipe([stream], (code) => codes.push(code + 100)); // a second call adds nothing
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(codes).toEqual([0]);
    expect(() => stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
  });
});
