/**
 * `pipeline ... --help` teaches: every command and subcommand says what it gives, and every
 * option says its default (or that it is required).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../shared/cli/main.js';

const out: string[] = [];

async function help(path: readonly string[]): Promise<string> {
  out.length = 0;
  expect(await main(['node', 'pipeline', ...path, '--help'], {})).toBe(0);
  return out.join('');
}

/** The entries of a help section ("Options:", "Commands:"), each with its wrapped description joined. */
function section(text: string, title: string): Array<{ term: string; description: string }> {
  const body = text.split(`\n${title}\n`)[1]?.split(/\n\n|\n(?=\S)/)[0] ?? '';
  const entries: Array<{ term: string; description: string }> = [];
  for (const line of body.split('\n')) {
    const start = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (start) entries.push({ term: start[1]!, description: start[2] ?? '' });
    else if (entries.length > 0) entries.at(-1)!.description += ` ${line.trim()}`;
  }
  return entries;
}

describe('pipeline --help', () => {
  const pages = new Map<string, string>();
  beforeAll(async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const visit = async (path: string[]) => {
      const text = await help(path);
      pages.set(path.join(' '), text);
      for (const { term } of section(text, 'Commands:')) {
        const name = term.split(' ')[0]!;
        if (name !== 'help') await visit([...path, name]);
      }
    };
    await visit([]);
  });
  afterAll(() => vi.restoreAllMocks());

  it('covers every command and subcommand', () => {
    expect([...pages.keys()]).toEqual(expect.arrayContaining(['', 'generate marketing', 'preprocess', 'serve', 'stream stats', 'produce sensors', 'produce cdc', 'model predict', 'topics ensure', 'consume', 'run']));
  });

  it('shows the default of every option, or says it is required', () => {
    const missing: string[] = [];
    for (const [command, text] of pages) {
      const options = section(text, 'Options:');
      // every page lists -h, --help at least: none found means the page was not read
      expect(options.length, `pipeline ${command}`).toBeGreaterThan(0);
      for (const { term, description } of options) {
        if (/^-h, --help|^--debug/.test(term)) continue;
        if (!/\(default: |\(required\)|is required\)/.test(description)) missing.push(`pipeline ${command} ${term}: ${description}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes stream, model, topics and produce by what the user gets, without the internal words', () => {
    const top = section(pages.get('')!, 'Commands:');
    const of = (name: string) => top.find((entry) => entry.term.split(' ')[0] === name)!.description;
    expect(of('stream')).toMatch(/per-sensor minute statistics, anomalies and dead letters/);
    expect(of('model')).toMatch(/show it, check it against a fit from scratch, score customers/);
    expect(of('topics')).toMatch(/sensor readings .* customer change events/);
    expect(of('produce')).toMatch(/sensor readings for stream, customer change events for cdc/);
    for (const text of pages.values()) expect(text).not.toMatch(/its merged results|the streaming function:/);
  });
});
