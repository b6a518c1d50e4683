// Bundles the `pipeline` CLI into dist/ (git-ignored), run by npm's `prepare` after `npm ci`, so
// the command starts from a few plain JavaScript files instead of compiling TypeScript through tsx
// on every call. shared/cli/bin.mjs uses the bundle while it is fresh (no source newer than it) and
// falls back to tsx otherwise, so a missing or failed build only makes the CLI slower to start.
//
// Packages stay external (Node loads them from node_modules as usual), but for those a command
// loads on every start: the AWS SDK, arquero (with acorn and flechette), zod and commander. Their
// hundreds of small files cost more to find, read and link than to evaluate (about 100 ms of the
// real file's 470 ms through `pipeline preprocess`), so they are bundled; the SDK is evaluated
// only when a command first makes an S3 client (see shared/adapters/s3-store.ts). The Kafka-triggered handlers are entries of their own
// at dist/functions/<name>/handler.js: the emulator imports them by a path relative to its own
// module, which from dist/shared/<dir>/ lands there as it lands on the sources from shared/emulator/.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');

/** Every package external (loaded from node_modules at run time) except those matching `bundled`. */
function externalBut(bundled) {
  return {
    name: 'external-but',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => (bundled.test(args.path) ? undefined : { path: args.path, external: true }));
    },
  };
}

/**
 * Builds the bundle and writes dist/inputs.json (every source file in it), which bin.mjs checks
 * for freshness. Resolves to false, with a warning, when esbuild is not installed (a production
 * install) or the build fails.
 */
export async function buildCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('pipeline: esbuild is not installed; the CLI will run its TypeScript sources through tsx\n');
    return false;
  }
  const started = Date.now();
  rmSync(dist, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['shared/cli/main.ts', 'functions/stream/handler.ts', 'functions/cdc/handler.ts'],
      outbase: '.',
      outdir: 'dist',
      chunkNames: 'shared/chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      plugins: [externalBut(/^(@aws-sdk|@smithy|@aws-crypto|@aws|tslib|fast-xml-parser|strnum|bowser|uuid|arquero|acorn|@uwdata|zod|commander)(\/|$)/)],
      // the AWS SDK is CommonJS: bundled into ESM it asks for Node's modules through `require`
      banner: { js: "import { createRequire as __pipelineCreateRequire } from 'node:module'; const require = __pipelineCreateRequire(import.meta.url);" },
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'error',
    });
    writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n');
    const inputs = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'));
    writeFileSync(join(dist, 'inputs.json'), `${JSON.stringify({ builtAt: started, inputs })}\n`);
    return true;
  } catch (error) {
    rmSync(dist, { recursive: true, force: true });
    process.stderr.write(`pipeline: the CLI bundle was not built (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the CLI will run through tsx\n`);
    return false;
  }
}

/**
 * The bundle's entry when it is there and no source it was built from changed since (or is gone);
 * else undefined. `checkout` is the repository's folder (this one by default).
 *
 * @example
 * const entry = freshBundle(); // 'file:///.../dist/shared/cli/main.js' or undefined
 */
export function freshBundle(checkout = root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(checkout, 'dist', 'inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  for (const input of manifest.inputs) {
    const stat = statSync(join(checkout, input), { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs > manifest.builtAt) return undefined;
  }
  return pathToFileURL(join(checkout, 'dist', 'shared', 'cli', 'main.js')).href;
}

// run as a script (npm's prepare): a failed build is reported, not fatal, so `npm ci` still succeeds
if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') await buildCli();
