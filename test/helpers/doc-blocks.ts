/**
 * The shell blocks of the README and docs/*.md, and a runner that executes them as a reader
 * would: in order per page, in one shell session (what a block exports, the next one sees), in a
 * fresh checkout-like folder whose `data/` is empty.
 *
 * A block is a fenced code block of language `sh` or `bash`. HTML comments on the lines just above
 * it (invisible on GitHub) say what the test needs to know:
 *
 *   <!-- expect: produced 10,000 readings -->    the block's output contains this text
 *   <!-- expect: /model v\d+ over/ -->           ... or matches this regular expression
 *   <!-- needs: kafka s3 localstack aws-cli kaggle -->   servers, tools or Kaggle's file the block needs
 *   <!-- background: /Dashboard: (http\S+)/ -->  a server the block starts: run until its output
 *                                                matches, GET the URL captured, then Ctrl-C
 *   <!-- skip: needs an AWS account -->          not run; the reason is printed
 *
 * Placeholders are filled in the commands by {@link substitute}: the broker, the S3 API and
 * LocalStack endpoints, bucket and topic names, a port, each written in the docs as a reader on
 * a laptop would type it.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A server or input a block needs. */
export const Needs = ['kafka', 's3', 'localstack', 'aws-cli', 'kaggle'] as const;
export type Need = (typeof Needs)[number];

/** One shell block of a page, with what the comments above it say. */
export interface DocBlock {
  readonly page: string;
  /** The line of the opening fence, 1-based. */
  readonly line: number;
  readonly code: string;
  readonly expects: ReadonlyArray<string | RegExp>;
  readonly needs: readonly Need[];
  readonly skip?: string;
  readonly background?: RegExp;
}

const FENCE = /^(`{3,})(\w*)\s*$/;
const ANNOTATION = /^<!--\s*(expect|needs|skip|background):\s*(.*?)\s*-->\s*$/;

/** `/source/flags` as a RegExp; any other text stays a substring to look for. */
function pattern(text: string): string | RegExp {
  const match = /^\/(.+)\/([a-z]*)$/.exec(text);
  return match ? new RegExp(match[1]!, match[2]) : text;
}

/**
 * The shell blocks of a Markdown page, with their annotations. An annotation that names an
 * unknown server, or stands above something that is not a shell block, is an error: a typo must
 * not quietly turn a check off.
 *
 * @example
 * parseBlocks('<!-- expect: hello -->\n```sh\necho hello\n```\n', 'x.md'); // [{ code: 'echo hello\n', expects: ['hello'], ... }]
 */
export function parseBlocks(markdown: string, page: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  let pending: Array<{ key: string; value: string; line: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const annotation = ANNOTATION.exec(lines[i]!);
    if (annotation) {
      pending.push({ key: annotation[1]!, value: annotation[2]!, line: i + 1 });
      continue;
    }
    const fence = FENCE.exec(lines[i]!);
    if (!fence) {
      if (pending.length > 0) throw new Error(`${page}:${pending[0]!.line}: a doc-test annotation must stand just above a shell block`);
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== fence[1]; i++) body.push(lines[i]!);
    const shell = fence[2] === 'sh' || fence[2] === 'bash';
    if (!shell) {
      if (pending.length > 0) throw new Error(`${page}:${pending[0]!.line}: annotations stand above a \`${fence[2] || 'plain'}\` block, not a shell block`);
      continue;
    }
    const needs: Need[] = [];
    const expects: Array<string | RegExp> = [];
    let skip: string | undefined;
    let background: RegExp | undefined;
    for (const { key, value, line } of pending) {
      if (key === 'expect') expects.push(pattern(value));
      else if (key === 'skip') skip = value;
      else if (key === 'background') {
        const found = pattern(value);
        if (typeof found === 'string') throw new Error(`${page}:${line}: background: wants a /regular expression/`);
        background = found;
      } else {
        for (const need of value.split(/\s+/)) {
          if (!(Needs as readonly string[]).includes(need)) throw new Error(`${page}:${line}: unknown need '${need}' (${Needs.join(', ')})`);
          needs.push(need as Need);
        }
      }
    }
    blocks.push({ page, line: start + 1, code: `${body.join('\n')}\n`, expects, needs, ...(skip === undefined ? {} : { skip }), ...(background ? { background } : {}) });
    pending = [];
  }
  return blocks;
}

/**
 * Fills the placeholders of a block's commands: each key, where it appears, becomes its value.
 *
 * @example
 * substitute('export KAFKA_BROKERS=localhost:9092', { 'localhost:9092': '127.0.0.1:40123' }); // 'export KAFKA_BROKERS=127.0.0.1:40123'
 */
export function substitute(code: string, values: Readonly<Record<string, string>>): string {
  let out = code;
  for (const [placeholder, value] of Object.entries(values)) out = out.split(placeholder).join(value);
  return out;
}

/**
 * A folder that looks like a fresh clone with its dependencies installed: every top-level entry
 * of the repository linked, except `data/`, which holds only the generators (the embedded store
 * starts empty).
 *
 * @example
 * const cwd = await checkoutLike(repoRoot, await mkdtemp(join(tmpdir(), 'docs-')));
 */
export async function checkoutLike(repoRoot: string, dir: string): Promise<string> {
  for (const entry of await readdir(repoRoot)) {
    if (entry === 'data' || entry === '.git') continue;
    await symlink(join(repoRoot, entry), join(dir, entry));
  }
  await mkdir(join(dir, 'data'));
  await symlink(join(repoRoot, 'data', 'generators'), join(dir, 'data', 'generators'));
  return dir;
}

/** What a block printed (stdout and stderr as they interleaved) and how it ended. */
export interface BlockRun {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

/** Variables a shell sets itself, never carried from one block to the next. */
const SHELL_OWN = new Set(['_', 'PWD', 'OLDPWD', 'SHLVL', 'SHELLOPTS', 'BASHOPTS']);

/**
 * One reader's shell session over a page: each block runs in bash with `set -e -o pipefail`, in
 * the folder the previous block ended in, with the variables the previous blocks exported.
 */
export class ShellSession {
  private readonly state: string;
  private readonly cwdFile: string;

  constructor(
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.state = join(dir, '.doc-test-env');
    this.cwdFile = join(dir, '.doc-test-cwd');
  }

  /** Sets a variable for the blocks to come, as if the reader had exported it, unless a block already did. */
  async exportIfUnset(name: string, value: string): Promise<void> {
    const text = await readFile(this.state, 'utf8').catch(() => '');
    if (new RegExp(`^declare -x ${name}=`, 'm').test(text)) return;
    await writeFile(this.state, `${text}declare -x ${name}=${JSON.stringify(value)}\n`);
  }

  private script(code: string): string {
    return [
      `cd "$(cat ${JSON.stringify(this.cwdFile)} 2>/dev/null || echo ${JSON.stringify(this.dir)})"`,
      `[ -f ${JSON.stringify(this.state)} ] && source ${JSON.stringify(this.state)}`,
      'set -e -o pipefail',
      code,
      'set +e',
      `export -p | grep -Ev '^declare -x (${[...SHELL_OWN].join('|')})(=|$)' | grep -E '^declare -x ' > ${JSON.stringify(this.state)}`,
      `pwd > ${JSON.stringify(this.cwdFile)}`,
    ].join('\n');
  }

  /**
   * Runs a block to its end.
   *
   * @example
   * const { code, output } = await session.run('npx pipeline --help\n', 60_000);
   */
  run(code: string, timeoutMs: number): Promise<BlockRun> {
    return this.spawn(code, timeoutMs, undefined);
  }

  /**
   * Runs a block that starts a server: until its output matches `ready`, then `whileUp(match)`,
   * then Ctrl-C (SIGINT to its process group, as a terminal sends it).
   *
   * @example
   * await session.runInBackground('npx pipeline dashboard\n', /Dashboard: (http\S+)/, async (m) => fetch(m[1]!), 60_000);
   */
  runInBackground(code: string, ready: RegExp, whileUp: (match: RegExpMatchArray) => Promise<void>, timeoutMs: number): Promise<BlockRun> {
    return this.spawn(code, timeoutMs, { ready, whileUp });
  }

  private spawn(code: string, timeoutMs: number, server: { ready: RegExp; whileUp: (match: RegExpMatchArray) => Promise<void> } | undefined): Promise<BlockRun> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', this.script(code)], { cwd: this.dir, env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      let serving = false;
      const interrupt = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        output += `\n[doc test: no end after ${timeoutMs} ms; killed]\n`;
        interrupt('SIGKILL');
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (server === undefined || serving) return;
        const match = server.ready.exec(output);
        if (match === null) return;
        serving = true;
        server.whileUp(match).then(
          () => interrupt('SIGINT'),
          (error: unknown) => {
            output += `\n[doc test: ${(error as Error).message}]\n`;
            interrupt('SIGINT');
          },
        );
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        if (server !== undefined && !serving) output += `\n[doc test: the server never printed ${server.ready}]\n`;
        resolve({ code: server !== undefined && serving ? 0 : exitCode, output, ms: performance.now() - started });
      });
    });
  }
}
