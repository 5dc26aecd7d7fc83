/**
 * CPU time of a process and its children, from Linux's /proc (null elsewhere): what a server the
 * benchmark started but did not fork itself (the embedded PostgreSQL: a postmaster and a backend
 * per connection) spent, to set beside the server's and the load generator's own.
 *
 * @example
 * const before = processTreeCpuMs(postmasterPid); … const spent = processTreeCpuMs(postmasterPid)! - before!;
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times: 100 on every Linux build Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU ms of `rootPid` and its direct children, those alive now and those it has
 * reaped (a process's `cutime`/`cstime`), so a child ending between two readings is still counted;
 * null without /proc.
 */
export function processTreeCpuMs(rootPid: number): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended since the listing
    }
    // pid (comm) state ppid … utime stime: comm may hold spaces and parentheses, so read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const parent = Number(fields[1]);
    if (Number(pid) === rootPid)
      // Its own time and its ended children's (cutime, cstime: a backend's once it has exited).
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    else if (parent === rootPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
