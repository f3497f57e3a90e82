/**
 * Reading processes from /proc: a process's stat fields, CPU time, command line and environment, the
 * descendants of a process, whether a pid is alive, and the TCP ports processes listen on.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses), so
 * index 0 is the state, 1 the parent pid, 11 and 12 user and system CPU ticks; null once it is gone.
 */
export function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc's CPU times. */
export const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used so far, in ms; null once it is gone. */
export function cpuTimeMs(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND : null;
}

/** A process's command line as arguments; empty once it is gone. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function parentsByPid(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields) parents.set(Number(entry), Number(fields[1]));
  }
  return parents;
}

/** Every live process below `pid` in the tree. */
export function descendantsOf(pid: number): number[] {
  const found = new Set(treeOf([pid]));
  found.delete(pid);
  return [...found];
}

/** The given processes and every live process below them, read from /proc once. */
export function treeOf(roots: readonly number[]): number[] {
  const parents = parentsByPid();
  const found = new Set<number>(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, parent] of parents) {
      if (found.has(parent) && !found.has(child)) {
        found.add(child);
        grew = true;
      }
    }
  }
  return [...found];
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process's environment as it was started (empty once it is gone or not ours to read). */
export function environmentOf(pid: number): Record<string, string> {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  } catch {
    return {};
  }
}

export interface ListeningSocket {
  pid: number;
  /** IPv4 dotted or IPv6 (IPv4-mapped shown as ::ffff:a.b.c.d). */
  address: string;
  port: number;
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let descriptors: string[];
  try {
    descriptors = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const descriptor of descriptors) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${descriptor}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  return inodes;
}

/** A /proc/net/tcp{,6} address (hex, each 32-bit word in host byte order, little-endian here). */
function procAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, index) => (((bytes[2 * index] ?? 0) << 8) | (bytes[2 * index + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The TCP sockets the given processes listen on (Linux: /proc/net/tcp and tcp6, matched by inode). */
export function listeningSockets(pids: readonly number[]): ListeningSocket[] {
  const owners = new Map<string, number>();
  for (const pid of pids) for (const inode of socketInodes(pid)) owners.set(inode, pid);
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (!local || state !== '0A' || !inode) continue;
      const pid = owners.get(inode);
      const [address, port] = local.split(':');
      if (pid !== undefined && address && port) sockets.push({ pid, address: procAddress(address), port: Number.parseInt(port, 16) });
    }
  }
  return sockets;
}

/** Whether an address is this machine's loopback (127.0.0.0/8, ::1, or 127.x mapped into IPv6). */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}
