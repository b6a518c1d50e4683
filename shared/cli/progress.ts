/**
 * Progress for long work: a redrawn bar on a terminal, a plain line every 10% otherwise
 * (logs, CI). Hand-written because it is a dozen lines; listr2 drives the multi-task display
 * of `pipeline run`.
 */
export interface Progress {
  /** Sets how much is done, in the unit of `total`. */
  update(done: number): void;
  /** Prints the final state and a newline. */
  done(summary?: string): void;
}

/**
 * Starts a progress display on `stream` (stderr by default) for `total` units of work.
 *
 * @example
 * const bar = progress('cleaning', bytes.length, 'B');
 * bar.update(half); bar.done('2,053 rows');
 */
export function progress(label: string, total: number, unit = '', stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let lastStep = -1;
  let lastDraw = 0;
  const render = (done: number): string => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${fmt(done)}/${fmt(total)}${unit}`;
  };
  return {
    update(done) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 80) return;
        lastDraw = now;
        stream.write(`\r${render(done)}`);
      } else {
        const step = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (step > lastStep && step < 10) {
          lastStep = step;
          stream.write(`${label}: ${step * 10}%\n`);
        }
      }
    },
    done(summary) {
      const tail = summary ? ` ${summary}` : '';
      stream.write(tty ? `\r${render(total)}${tail}\n` : `${label}: 100%${tail}\n`);
    },
  };
}

function fmt(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
