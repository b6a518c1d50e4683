/**
 * The layering of docs/architecture.md, enforced: every import between the project's own files
 * (static, dynamic and type-only alike) goes from a layer to one it may use, and no two folders
 * import each other, directly or round a cycle. A new import that breaks a rule fails here with
 * the file, the import and the rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

/** The layers, lowest first; a file belongs to the first layer with a path that starts its own. */
const Layers = {
  foundation: ['shared/errors.ts', 'shared/retry.ts', 'shared/clock.ts', 'shared/concurrency.ts', 'shared/offsets.ts', 'shared/select.ts', 'shared/bytes.ts', 'shared/names.ts'],
  ports: ['shared/ports/'],
  formats: ['shared/csv/', 'shared/parquet.ts', 'shared/parquet-format.ts'],
  cores: ['shared/preprocess/', 'shared/stream/', 'shared/cdc/', 'shared/analytics/'],
  adapters: ['shared/adapters/'],
  wiring: ['shared/config.ts', 'shared/stores.ts', 'shared/event-logs.ts', 'shared/lambda/'],
  functions: ['functions/'],
  infra: ['infra/'],
  generators: ['data/generators/'],
  tooling: ['shared/emulator/', 'shared/pipeline/', 'shared/cli/', 'shared/report/', 'shared/producer.ts', 'shared/kafka-broker/', 'localstack/'],
} as const;
type Layer = keyof typeof Layers;

/** What each layer may import besides itself. */
const Allowed: Record<Layer, readonly Layer[]> = {
  foundation: [],
  ports: ['foundation'],
  formats: ['foundation'],
  cores: ['foundation', 'ports', 'formats'],
  adapters: ['foundation', 'ports'],
  wiring: ['foundation', 'ports', 'formats', 'cores', 'adapters'],
  functions: ['foundation', 'ports', 'formats', 'cores', 'adapters', 'wiring'],
  infra: ['foundation', 'ports', 'adapters', 'wiring', 'functions'],
  generators: [],
  tooling: ['foundation', 'ports', 'formats', 'cores', 'adapters', 'wiring', 'functions', 'generators'],
};

function layerOf(file: string): Layer | undefined {
  for (const [layer, paths] of Object.entries(Layers) as Array<[Layer, readonly string[]]>) {
    if (paths.some((path) => file === path || (path.endsWith('/') && file.startsWith(path)))) return layer;
  }
  return undefined;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(join(root, path)).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The project files a source file imports (relative specifiers, `.js` mapped back to `.ts`). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const target = relative(root, resolve(root, dirname(file), spec));
      for (const candidate of [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts')]) {
        try {
          if (statSync(join(root, candidate)).isFile()) return candidate;
        } catch {
          /* try the next */
        }
      }
      return target;
    });
}

const files = ['shared', 'functions', 'infra', 'data', 'localstack'].flatMap(sources);
const edges = files.flatMap((from) => importsOf(from).map((to) => ({ from, to })));

/** The imports that point to a layer their file may not import, as `<from> (<layer>) imports <to> (<layer>)`. */
const brokenRules = (list: ReadonlyArray<{ from: string; to: string }>): string[] =>
  list
    .map(({ from, to }) => ({ from, to, a: layerOf(from)!, b: layerOf(to) }))
    .filter(({ a, b }) => b !== undefined && a !== b && !Allowed[a].includes(b))
    .map(({ from, to, a, b }) => `${from} (${a}) imports ${to} (${b})`);

describe('the layers', () => {
  it('place every source file in a layer', () => {
    expect(files.filter((file) => layerOf(file) === undefined)).toEqual([]);
  });

  it('let each layer import only the layers below it (docs/architecture.md)', () => {
    expect(brokenRules(edges)).toEqual([]);
  });

  it('have no cycle between folders', () => {
    // a folder of a top-level folder is one unit (shared/cdc); a file directly in one is its own (shared/config.ts)
    const folder = (file: string) => file.split('/').slice(0, 2).join('/');
    const graph = new Map<string, Set<string>>();
    for (const { from, to } of edges) {
      const [a, b] = [folder(from), folder(to)];
      if (a !== b) graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      for (const next of graph.get(node) ?? []) {
        if (next === path[0]) cycles.push([...path, next].join(' -> '));
        else if (!path.includes(next) && next > path[0]!) visit(next, [...path, next]);
      }
    };
    for (const node of graph.keys()) visit(node, [node]);
    expect(cycles).toEqual([]);
  });

  it('catch an import that breaks a rule', () => {
    // the check itself can fail: a core importing an adapter is refused
    expect(brokenRules([{ from: 'shared/cdc/service.ts', to: 'shared/adapters/s3-store.ts' }])).toEqual(['shared/cdc/service.ts (cores) imports shared/adapters/s3-store.ts (adapters)']);
    expect(layerOf('shared/lambda/kafka-event.ts')).toBe('wiring');
  });
});
