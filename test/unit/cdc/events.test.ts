import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../../shared/cdc/events.js';
import { LAYOUT } from '../../../shared/cdc/layout.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/cdc', name), 'utf8');
const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseRecord', () => {
  it('reads a snapshot event into an upsert of the encoded row', () => {
    const event = parseRecord({ offset: 3, key: bytes('5524'), value: bytes(fixture('snapshot.json')) });
    expect(event).toMatchObject({ kind: 'upsert', op: 'r', key: '5524', offset: 3 });
    if (event.kind !== 'upsert') throw new Error('not an upsert');
    expect(event.row).toHaveLength(LAYOUT.width + 1);
    expect(event.row[0]).toBe(5_813_800); // Income to the cent
    expect(event.row[LAYOUT.width]).toBe(1); // Response
  });

  it('reads an update with and without a before image alike', () => {
    const withBefore = parseRecord({ offset: 1, key: '5524', value: fixture('update-with-before.json') });
    const without = parseRecord({ offset: 1, key: '5524', value: fixture('update-without-before.json') });
    expect(withBefore).toEqual(without);
    expect(withBefore).toMatchObject({ kind: 'upsert', op: 'u' });
  });

  it('unwraps the JSON converter envelope {schema, payload}', () => {
    const event = parseRecord({ offset: 1, key: '{"ID": 5524}', value: fixture('enveloped-update.json') });
    expect(event).toEqual(parseRecord({ offset: 1, key: '5524', value: fixture('update-without-before.json') }));
  });

  it('reads a delete, taking the key from the before image when the record has none', () => {
    expect(parseRecord({ offset: 9, key: null, value: fixture('delete.json') })).toEqual({ kind: 'delete', offset: 9, key: '5524' });
  });

  it('treats a null value as a tombstone', () => {
    expect(parseRecord({ offset: 4, key: '5524', value: null })).toEqual({ kind: 'tombstone', offset: 4 });
  });

  it.each([
    ['not JSON', { key: '1', value: '{"op":' }, /not JSON/],
    ['an unknown op', { key: '5524', value: fixture('malformed-op.json') }, /unknown op 'x'/],
    ['a wrongly typed field', { key: '5524', value: fixture('malformed-income.json') }, /after\.Income is 'lots', not a number/],
    ['no key anywhere', { key: null, value: '{"op":"d","before":null,"after":null}' }, /no key/],
    ['a key that disagrees with the image', { key: '77', value: fixture('snapshot.json') }, /'77' and ID '5524'/],
    ['an array value', { key: '1', value: '[1,2]' }, /a list, not a change event/],
    ['an upsert without an after image', { key: '1', value: '{"op":"c","before":null,"after":null}' }, /no after image/],
    ['a before image of the wrong type', { key: '1', value: '{"op":"u","before":3,"after":{}}' }, /before is a number/],
    ['bytes that are not UTF-8', { key: '1', value: Uint8Array.of(0xff, 0xfe, 0x00) }, /not UTF-8/],
    ['a label that is not 0 or 1', { key: '5524', value: fixture('snapshot.json').replace('"Response": 1', '"Response": 2') }, /Response is 2, not 0 or 1/],
  ])('marks %s as malformed with the reason', (_name, record, reason) => {
    const event = parseRecord({ offset: 12, ...record });
    expect(event.kind).toBe('malformed');
    if (event.kind === 'malformed') expect(event.reason).toMatch(reason);
  });

  it('puts an unknown category into the (other) level', () => {
    const event = parseRecord({ offset: 1, key: '5524', value: fixture('snapshot.json').replace('"Graduation"', '"Doctorate of Magic"') });
    if (event.kind !== 'upsert') throw new Error('not an upsert');
    const other = LAYOUT.features.findIndex((f) => f.name === 'Education=(other)');
    expect(event.row[other]).toBe(1);
    expect(LAYOUT.features.filter((f, i) => f.name.startsWith('Education=') && event.row[i] === 1)).toHaveLength(1);
  });
});
