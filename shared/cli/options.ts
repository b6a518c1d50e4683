/**
 * Parsers for command-line option values, shared by the commands. Each throws commander's
 * InvalidArgumentError, which commander prints as one line naming the option, with exit code 2.
 */
import { InvalidArgumentError } from 'commander';

const SUFFIXES: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/**
 * Parses a count such as `2240`, `100_000`, `10k` or `1M` (suffixes k, M, G are powers of 1000).
 *
 * @example
 * parseCount('1M'); // 1000000
 * parseCount('2.5k'); // 2500
 */
export function parseCount(text: string, { min = 0 }: { min?: number } = {}): number {
  const match = /^\s*(\d+(?:_\d+)*(?:\.\d+)?)\s*([kmg]?)\s*$/i.exec(text);
  const value = match ? Number(match[1]!.replaceAll('_', '')) * SUFFIXES[match[2]!.toLowerCase()]! : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`expected a whole number such as 2240, 100k or 1M, got '${text}'.`);
  if (value < min) throw new InvalidArgumentError(`expected at least ${min}, got ${value}.`);
  return value;
}

/**
 * Parses a seed: any whole number from 0 to 4294967295.
 *
 * @example
 * parseSeed('42'); // 42
 */
export function parseSeed(text: string): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 0xffff_ffff)) throw new InvalidArgumentError(`expected a whole number from 0 to 4294967295, got '${text}'.`);
  return value;
}
