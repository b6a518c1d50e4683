import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto's server mode (a real S3 API over HTTP) on a free loopback port and waits until
 * it answers. `env` reaches moto (`INITIAL_NO_AUTH_ACTION_COUNT: '0'` makes it check credentials).
 *
 * @example
 * const { endpoint, pid, stop } = await startMoto(); // pid: to freeze it (SIGSTOP) in a fault test
 */
export async function startMoto(env: Record<string, string> = {}): Promise<{ endpoint: string; port: number; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<never>((_, reject) => {
    child.on('error', (error) => reject(new Error(`moto_server could not start: ${error.message}`)));
    child.on('exit', (code) => reject(new Error(`moto_server exited with ${code}: ${stderr.trim().split('\n').pop()}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${endpoint}/moto-api/`);
        if (res.status < 500) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('moto_server did not answer within 20 s');
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    port,
    pid: child.pid!,
    stop: async () => {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 50));
    },
  };
}
