import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';

describe('loadConfig stream settings', () => {
  it('reads hard limits per metric, an empty side meaning no bound', () => {
    expect(loadConfig({ STREAM_LIMITS: 'temperature=-10:50, battery=5:' }).stream.limits).toEqual({ temperature: { min: -10, max: 50 }, battery: { min: 5 } });
    expect(loadConfig({}).stream).toEqual({ limits: {}, zScore: undefined });
  });

  it.each([
    [{ STREAM_LIMITS: 'temp=1:2' }, /STREAM_LIMITS .* got 'temp=1:2'/],
    [{ STREAM_LIMITS: 'battery=x:1' }, /STREAM_LIMITS/],
    [{ STREAM_ZSCORE: '0' }, /STREAM_ZSCORE must be a positive number/],
  ])('names the malformed setting %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
