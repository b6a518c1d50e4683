// Loaded into every Node process a benchmark starts (NODE_OPTIONS=--import): when the process
// exits, it writes its peak resident set size in bytes to $BENCH_RSS_DIR/<pid>, so the harness
// reads an exact figure rather than a sampled one.
//
// The figure is VmHWM from /proc/self/status, the high-water mark of this process's own memory.
// Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a child of a large
// harness process would report the harness's size (seen: every run at 1.51 GB after the in-process
// CDC part had grown the harness). getrusage is the fallback where /proc is missing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_RSS_DIR;

function peakRssBytes() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

if (dir) {
  process.on('exit', () => {
    try {
      writeFileSync(join(dir, String(process.pid)), String(peakRssBytes()));
    } catch {
      // the harness then falls back to the sampled figure
    }
  });
}
