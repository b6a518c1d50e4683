/** `npm run local:bridge`'s command line: its help, and a refused unknown option (no server needed). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const bridge = (...args: string[]) =>
  spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['localstack/bridge.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });

describe('the LocalStack bridge command', () => {
  it('lists every option with its default under --help', () => {
    const run = bridge('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/SENSOR_TOPIC -> stream, CDC_TOPIC -> cdc/);
    for (const option of ['--until-idle', '--idle-ms <ms>', '--functions <list>', '--outputs <file>']) {
      expect(run.stdout).toMatch(new RegExp(`${option}\\s+.*\\(default: [^)]+\\)`));
    }
  });

  it('refuses an unknown option, such as the in-process mode that is gone, in one line', () => {
    const run = bridge('--in-process');
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("bridge: Unknown option '--in-process' (npm run local:bridge -- --help lists the options)\n");
  });
});
