// Loaded into every Node process a benchmark starts (NODE_OPTIONS=--import): when the process
// exits, it writes its peak resident set size in bytes to $BENCH_RSS_DIR/<pid>, so the harness
// reads an exact figure (getrusage's ru_maxrss) rather than a sampled one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_RSS_DIR;
if (dir) {
  process.on('exit', () => {
    try {
      writeFileSync(join(dir, String(process.pid)), String(process.resourceUsage().maxRSS * 1024));
    } catch {
      // the harness then falls back to the sampled figure
    }
  });
}
