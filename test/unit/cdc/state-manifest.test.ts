import { describe, expect, it } from 'vitest';
import { CorruptStateError } from '../../../shared/cdc/errors.js';
import { decodeChunkIndex, decodeManifest, emptyManifest, encodeChunkIndex, encodeManifest } from '../../../shared/cdc/state-manifest.js';

const where = { topic: 'customer_updates', log: 'kafka.q1w2', partition: 2, features: ['Income', 'Age'] };
const key = 'models/m/state/customer_updates@kafka.q1w2/manifests/2.json';
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const manifest = {
  ...emptyManifest(where, ['0', '0', '0', '0', '0', '0']),
  version: 3,
  lastOffset: 41,
  rows: 2,
  journal: [{ key: 'j/3-ab.json', entries: 2, level: 0 }],
  gaps: [[10, 19]] as Array<readonly [number, number]>,
  keyOffsets: { key: 'k/3-cd.json', entries: 5 },
};

describe('decodeManifest', () => {
  it('reads back what encodeManifest wrote', () => {
    expect(decodeManifest(key, bytes(encodeManifest(manifest)), where)).toEqual(manifest);
  });

  it('names the key and the reason for a document that is not JSON or not this format', () => {
    expect(() => decodeManifest(key, bytes('{"format":'), where)).toThrow(CorruptStateError);
    expect(() => decodeManifest(key, bytes('{"format":'), where)).toThrow(`${key}: it is not JSON`);
    expect(() => decodeManifest(key, bytes({ ...manifest, format: 'pipeline.cdc-state/1' }), where)).toThrow(`${key}: it has format "pipeline.cdc-state/1", not pipeline.cdc-state/3`);
    // a manifest of the layout before sources were recorded (/2) is not continued
    expect(() => decodeManifest(key, bytes({ ...manifest, format: 'pipeline.cdc-state/2' }), where)).toThrow(/not pipeline\.cdc-state\/3/);
  });

  it('checks every field instead of trusting the document, naming the first one that is wrong', () => {
    expect(() => decodeManifest(key, bytes({ ...manifest, lastOffset: '41' }), where)).toThrow(/lastOffset/);
    expect(() => decodeManifest(key, bytes({ ...manifest, stats: ['1', 'x'] }), where)).toThrow(/stats\.1/);
    expect(() => decodeManifest(key, bytes({ ...manifest, journal: [{ key: 'j', entries: -1 }] }), where)).toThrow(/journal\.0\.entries/);
    const { counts: _counts, ...withoutCounts } = manifest;
    expect(() => decodeManifest(key, bytes(withoutCounts), where)).toThrow(/counts/);
    expect(() => decodeManifest(key, bytes({ ...manifest, gaps: [[19, 10]] }), where)).toThrow(/gaps\.0: a gap ends before it starts/);
  });

  it('refuses a manifest of another partition, another event log or another feature layout', () => {
    expect(() => decodeManifest(key, bytes({ ...manifest, partition: 1 }), where)).toThrow('it belongs to customer_updates/1');
    expect(() => decodeManifest(key, bytes({ ...manifest, log: 'in-process.ab12' }), where)).toThrow(
      `${key}: it holds offsets of event log in-process.ab12, not of kafka.q1w2: offsets of one log never apply to another`,
    );
    expect(() => decodeManifest(key, bytes(manifest), { ...where, features: ['Income'] })).toThrow(/other features \(2 of them\); this model has 1/);
  });
});

describe('decodeChunkIndex', () => {
  it('reads back what encodeChunkIndex wrote and refuses anything else', () => {
    const chunks = { '0': { key: 'c/0.json', rows: 10 }, '1': { key: null, rows: 0 } };
    expect(decodeChunkIndex('i.json', bytes(encodeChunkIndex(chunks)))).toEqual(chunks);
    expect(() => decodeChunkIndex('i.json', bytes({ format: 'pipeline.cdc-chunk-index/1', chunks: { '2': { key: null, rows: 0 } } }))).toThrow(/i\.json: it is not a CDC chunk index/);
    expect(() => decodeChunkIndex('i.json', bytes({ chunks }))).toThrow(CorruptStateError);
  });
});
