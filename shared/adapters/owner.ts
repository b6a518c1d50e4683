/**
 * Which process holds something (a lock, a file being written), and whether that process still
 * runs: the folder store's locks and temporary files carry their writer's pid, its start time and
 * its host, so a writer that finds one left by a process that has died (kill -9, a crash, a power
 * cut) takes it over at once instead of waiting for it to expire.
 *
 * Hand-written because no small, kept library answers "is the process that wrote this still the
 * one running under that pid": a pid alone is reused after the process dies, so the start time
 * (Linux's `/proc/<pid>/stat`, field 22) tells a reused pid from the original holder.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process, as a lock or a temporary file names it. */
export interface Owner {
  readonly pid: number;
  /** Its start time in clock ticks since boot (Linux), or '' where the system does not say. */
  readonly start: string;
  readonly host: string;
}

/** The start time of process `pid` (Linux's `/proc/<pid>/stat`, field 22), '' when unknown, undefined when no such process. */
function startOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // no /proc at all (macOS): the start time is unknown, not the process
    return code === 'ENOENT' && hasProc ? undefined : '';
  }
  // the command name (field 2) is in parentheses and may hold spaces: count from after it
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? '';
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/** This process. */
export const self: Owner = { pid: process.pid, start: startOf(process.pid) ?? '', host: hostname() };

/**
 * Whether `owner` still runs: `false` when it is known to be gone (no such pid, or the pid now
 * belongs to a process started at another time), `true` when it runs, `undefined` when it is on
 * another host and this one cannot tell.
 *
 * @example
 * if (isAlive(lockOwner) === false) await rm(lockPath); // its holder died without releasing it
 */
export function isAlive(owner: Owner): boolean | undefined {
  if (owner.host !== self.host) return undefined;
  if (owner.pid === self.pid) return owner.start === self.start;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start === '') return true;
  const start = startOf(owner.pid);
  return start === undefined ? false : start === '' || start === owner.start;
}

/**
 * An owner read back from text written by {@link ownerText}, or undefined when it is not one.
 *
 * @example
 * parseOwner(ownerText(self)); // self
 */
export function parseOwner(text: string): Owner | undefined {
  try {
    const value = JSON.parse(text) as Partial<Owner>;
    if (typeof value.pid === 'number' && typeof value.start === 'string' && typeof value.host === 'string') return { pid: value.pid, start: value.start, host: value.host };
  } catch {
    /* not an owner */
  }
  return undefined;
}

/**
 * The text a lock holds: its owner as JSON.
 *
 * @example
 * ownerText(self); // '{"pid":4242,"start":"123456","host":"laptop"}'
 */
export function ownerText(owner: Owner = self): string {
  return JSON.stringify({ pid: owner.pid, start: owner.start, host: owner.host });
}
