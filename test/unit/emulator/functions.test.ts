import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../../shared/adapters/memory-log.js';
import { loadConfig } from '../../../shared/config.js';
import { loadHandler, serveFunction } from '../../../shared/emulator/functions.js';
import { PipelineError } from '../../../shared/errors.js';

describe('serveFunction without --until-idle', () => {
  it('rejects, naming the error, when a partition stops on an error retrying cannot mend', async () => {
    const config = loadConfig({ PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'serve-')) });
    const log = new MemoryLog();
    await log.ensureTopic(config.kafka.topics.sensor.name, 1);
    log.fetch = async () => {
      throw new PipelineError('the broker refused the fetch: topic authorization failed');
    };
    const never = new AbortController();
    await expect(serveFunction('stream', log, config, { signal: never.signal })).rejects.toThrow(
      'the stream function stopped: the broker refused the fetch: topic authorization failed',
    );
  });

  it('resolves with the counts when the caller aborts', async () => {
    const config = loadConfig({ PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'serve-')) });
    const log = new MemoryLog();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    await expect(serveFunction('stream', log, config, { signal: stop.signal })).resolves.toMatchObject({ delivered: 0, failed: 0 });
  });
});

describe('loadHandler', () => {
  it('loads each Kafka-triggered function of the manifest, built from the configuration it is given', async () => {
    const config = loadConfig({ PIPELINE_DATA_DIR: await mkdtemp(join(tmpdir(), 'handlers-')) });
    const empty = { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/local/x', bootstrapServers: 'in-process', records: {} } as const;
    expect(await (await loadHandler('stream', config))(empty)).toEqual({ records: 0, written: [] });
    expect(await (await loadHandler('cdc', config))(empty)).toEqual({ batches: [], models: {} });
  });
});
