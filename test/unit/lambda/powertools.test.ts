import { afterEach, describe, expect, it, vi } from 'vitest';
import { powertools } from '../../../shared/lambda/powertools.js';
import { MetricNames } from '../../../shared/lambda/telemetry.js';

/** What Powertools printed (one JSON document a line) while `run` ran. */
async function printed(run: () => Promise<void> | void): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(...String(chunk).split('\n').filter(Boolean)), true));
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe('powertools', () => {
  it('publishes the invocation\'s metrics as one EMF document in the configured namespace, with the service dimension', async () => {
    const telemetry = await powertools('pipeline-stream', { POWERTOOLS_METRICS_NAMESPACE: 'PipelineTest' });
    const [emf] = await printed(() => {
      telemetry.metric(MetricNames.recordsProcessed, 500);
      telemetry.metric(MetricNames.deadLetters, 3);
      telemetry.flush();
    });
    expect(emf).toMatchObject({ service: 'pipeline-stream', RecordsProcessed: 500, DeadLetters: 3 });
    const directive = (emf!._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> }).CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe('PipelineTest');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics).toEqual([
      { Name: 'RecordsProcessed', Unit: 'Count' },
      { Name: 'DeadLetters', Unit: 'Count' },
    ]);
  });

  it('prints nothing for an invocation that measured nothing', async () => {
    const telemetry = await powertools('pipeline-cdc', {});
    expect(await printed(() => telemetry.flush())).toEqual([]);
  });

  it('logs one structured line with the service name', async () => {
    const telemetry = await powertools('pipeline-cdc', {});
    const [line] = await printed(() => telemetry.info('batch', { records: 10, applied: 9, deadLettered: 1, durationMs: 12 }));
    expect(line).toMatchObject({ level: 'INFO', message: 'batch', service: 'pipeline-cdc', records: 10, applied: 9, deadLettered: 1, durationMs: 12 });
  });

  it('leaves the SDK clients untraced outside a traced Lambda (the X-Ray SDK is not even loaded)', async () => {
    const telemetry = await powertools('pipeline-cdc', {});
    const client = { send: () => 'sent' };
    expect(telemetry.trace(client)).toBe(client);
  });
});
