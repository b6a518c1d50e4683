/**
 * Output to a closed pipe ends the command quietly with exit code 0, as Unix tools end:
 * `pipeline model predict --dataset m | head -3` and `pipeline consume sensor_data | head` stop
 * once `head` has what it wants, without an EPIPE stack trace. Node.js reports a write to a pipe
 * whose reader is gone as an 'error' event on the stream, which nothing would otherwise handle.
 */

const watched = new WeakSet<NodeJS.WritableStream>();

/**
 * Makes EPIPE on each stream end the process with exit code 0; any other stream error is thrown
 * as before. Idempotent per stream.
 *
 * @example
 * endQuietlyOnClosedPipe([process.stdout, process.stderr]);
 */
export function endQuietlyOnClosedPipe(
  streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  for (const stream of streams) {
    if (watched.has(stream)) continue;
    watched.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      exit(0);
    });
  }
}
