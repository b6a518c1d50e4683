import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PipelineConfig } from '../../../shared/config.js';
import { ConfigError } from '../../../shared/errors.js';
import { lambdaHandler } from '../../../shared/lambda/handler.js';
import type { Telemetry } from '../../../shared/lambda/telemetry.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

describe('lambdaHandler', () => {
  it('builds the handler once, on the first invocation, from the environment and Powertools', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lambda-'));
    Object.assign(process.env, { PIPELINE_DATA_DIR: dir, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
    const built: Array<{ config: PipelineConfig; telemetry: Telemetry | undefined }> = [];
    const handler = lambdaHandler('pipeline-test', (config, telemetry) => {
      built.push({ config, telemetry });
      return async (event: number) => event * 2;
    });
    expect(built).toHaveLength(0); // importing a handler module reads nothing
    expect(await handler(1)).toBe(2);
    expect(await handler(2)).toBe(4);
    expect(built).toHaveLength(1);
    expect(built[0]!.config.dataDir).toBe(dir);
    expect(typeof built[0]!.telemetry?.metric).toBe('function');
  });

  it('fails an invocation on a bad setting, naming it, and reads the environment again on the next', async () => {
    Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', SENSOR_PARTITIONS: 'many' });
    const handler = lambdaHandler('pipeline-test', () => async () => 'ok');
    await expect(handler({})).rejects.toThrow(ConfigError);
    await expect(handler({})).rejects.toThrow(/^SENSOR_PARTITIONS must be a positive whole number, got 'many'$/);
    delete process.env.SENSOR_PARTITIONS;
    expect(await handler({})).toBe('ok');
  });
});
