import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';

/** The delimiters the reader recognises, in order of preference on a tie. */
export const DELIMITERS = ['\t', ',', ';'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** How a text file is laid out, as far as the bytes tell. */
export interface TextLayout {
  /** Offset of the first byte after a UTF-8 byte-order mark (0 or 3). */
  readonly start: number;
  readonly bom: boolean;
  /** The line ending of the first line. */
  readonly lineEnding: 'LF' | 'CRLF' | 'CR' | 'none';
}

const CONTROL_SAMPLE = 64 * 1024;

/**
 * Checks that `bytes` are a UTF-8 text file and finds its layout; anything else is an
 * {@link InputError} naming `source` and the reason (empty, UTF-16, binary, another encoding).
 *
 * @example
 * checkText(new TextEncoder().encode('\uFEFFa,b\r\n1,2\r\n'), 'x.csv'); // { start: 3, bom: true, lineEnding: 'CRLF' }
 */
export function checkText(bytes: Uint8Array, source: string): TextLayout {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const start = bom ? 3 : 0;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError(source, 'the file is UTF-16 text: save it as UTF-8');
  }
  let first = start;
  while (first < bytes.length && isSpace(bytes[first]!)) first++;
  if (first === bytes.length) throw new InputError(source, bytes.length === 0 ? 'the file is empty' : 'the file holds no data (only blank lines)');

  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nul = view.indexOf(0);
  if (nul >= 0) throw new InputError(source, `binary data, not text (NUL byte at offset ${nul})`, { line: lineAt(bytes, nul) });
  const sampleEnd = Math.min(bytes.length, CONTROL_SAMPLE);
  for (let i = 0; i < sampleEnd; i++) {
    const c = bytes[i]!;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11 && c !== 26) {
      throw new InputError(source, `binary data, not text (control byte 0x${hex(c)} at offset ${i})`, { line: lineAt(bytes, i) });
    }
  }
  if (!isUtf8(bytes)) {
    const at = firstInvalidUtf8(bytes);
    throw new InputError(source, `not UTF-8 text (byte 0x${hex(bytes[at] ?? 0)} at offset ${at} is invalid UTF-8; another encoding such as Latin-1?): save it as UTF-8`, {
      line: lineAt(bytes, at),
    });
  }

  const lf = view.indexOf(10, start);
  const cr = view.indexOf(13, start);
  const lineEnding = cr >= 0 && (lf < 0 || cr < lf) ? (bytes[cr + 1] === 10 ? 'CRLF' : 'CR') : lf >= 0 ? 'LF' : 'none';
  return { start, bom, lineEnding };
}

/**
 * The delimiter of a CSV file: the candidate found most often, outside quotes, in its first
 * non-blank line (the header); on a tie, the one whose count stays the same over the next lines.
 * A file with none of them is one column (`,`).
 *
 * @example
 * detectDelimiter(new TextEncoder().encode('a;b;c\n1;2;3\n'), 0); // ';'
 */
export function detectDelimiter(bytes: Uint8Array, start: number): Delimiter {
  const lines = sampleLines(bytes, start, 20);
  const counts = DELIMITERS.map((d) => lines.map((line) => line[DELIMITERS.indexOf(d)]!));
  let best: Delimiter = ',';
  let bestScore = 0;
  DELIMITERS.forEach((d, i) => {
    const perLine = counts[i]!;
    const header = perLine[0] ?? 0;
    if (header === 0) return;
    const consistent = perLine.filter((n) => n === header).length;
    // header count first, consistency over the sample breaks ties
    const score = header * 1000 + consistent;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  });
  return best;
}

/** Delimiter counts outside quotes for the first `max` non-blank logical lines. */
function sampleLines(bytes: Uint8Array, start: number, max: number): number[][] {
  const out: number[][] = [];
  let counts = [0, 0, 0];
  let inQuotes = false;
  let blank = true;
  const limit = Math.min(bytes.length, start + 1024 * 1024);
  for (let i = start; i < limit && out.length < max; i++) {
    const c = bytes[i]!;
    if (c === 34) inQuotes = !inQuotes;
    if (inQuotes) continue;
    if (c === 10 || c === 13) {
      if (!blank) out.push(counts);
      counts = [0, 0, 0];
      blank = true;
      continue;
    }
    if (c === 9) counts[0]!++;
    else if (c === 44) counts[1]!++;
    else if (c === 59) counts[2]!++;
    if (c !== 32) blank = false;
  }
  if (!blank && out.length < max) out.push(counts);
  return out;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const hex = (c: number): string => c.toString(16).padStart(2, '0');

/** The 1-based line holding byte `offset`. */
export function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 10) line++;
  return line;
}

/** Offset of the first byte that breaks UTF-8 (only called once `isUtf8` said there is one). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= bytes.length) return i;
    if (!isUtf8(bytes.subarray(i, i + need + 1))) return i;
    i += need + 1;
  }
  return Math.max(0, bytes.length - 1);
}
