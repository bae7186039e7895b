// A lock file per schedule: created with O_EXCL (wx), holding {pid, hostname, startedAt, heartbeat}.
// The holder rewrites the heartbeat while it runs. A lock is stale — and may be taken over — when
// its process is gone (same host) or its heartbeat is older than `staleMs`.
import { writeSync, closeSync, readFileSync, unlinkSync, fsyncSync, statSync } from 'node:fs';
import { openSecure, writeSecure } from './files.mjs';
import { hostname } from 'node:os';

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function takeOver(path, seen, staleMs) {
  const guard = `${path}.takeover`;
  let fd;
  try {
    fd = openSecure(guard, 'wx');
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    // A takeover left behind by a crash is old: clear it; the next attempt may proceed.
    try {
      if (Date.now() - statSync(guard).mtimeMs > 30_000) unlinkSync(guard);
    } catch {}
    return false;
  }
  try {
    const now = readLock(path);
    // Still the same stale lock (nobody replaced it meanwhile)?
    const same = JSON.stringify(now) === JSON.stringify(seen) && (now === null || isStale(now, { staleMs }));
    if (same) {
      try {
        unlinkSync(path);
      } catch {}
    }
    return same;
  } finally {
    closeSync(fd);
    try {
      unlinkSync(guard);
    } catch {}
  }
}

export function readLock(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

export function isStale(info, { staleMs = 120_000, now = Date.now() } = {}) {
  if (!info) return true; // unreadable or half-written: treat by age below via the caller
  if (info.hostname === hostname() && !alive(info.pid)) return true;
  return now - Date.parse(info.heartbeat ?? info.startedAt ?? 0) > staleMs;
}

/**
 * Takes the lock or returns null when another live holder has it.
 * @returns {{ release(): void, beat(): void, info: object } | null}
 */
export function acquireLock(path, { staleMs = 120_000, heartbeatMs = 10_000, purpose = '' } = {}) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const info = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), heartbeat: new Date().toISOString(), purpose };
    let fd;
    try {
      fd = openSecure(path, 'wx');
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const held = readLock(path);
      if (held && !isStale(held, { staleMs })) return null;
      if (!held) {
        // Maybe being written right now: only an old unreadable file counts as stale.
        try {
          if (Date.now() - statSync(path).mtimeMs < 5_000) return null;
        } catch {}
      }
      // Stale. Take it over under a second O_EXCL file so that two processes that both found it
      // stale cannot both remove it (the second would remove the first one's fresh lock).
      if (!takeOver(path, held, staleMs)) return null;
      continue;
    }
    writeSync(fd, JSON.stringify(info));
    fsyncSync(fd);
    closeSync(fd);
    const beat = () => {
      const cur = readLock(path);
      if (!cur || cur.pid !== info.pid || cur.hostname !== info.hostname) return; // lost it
      info.heartbeat = new Date().toISOString();
      writeSecure(path, JSON.stringify(info));
    };
    const timer = setInterval(beat, heartbeatMs);
    timer.unref?.();
    return {
      info,
      beat,
      release() {
        clearInterval(timer);
        const cur = readLock(path);
        if (cur && cur.pid === info.pid && cur.hostname === info.hostname) {
          try {
            unlinkSync(path);
          } catch {}
        }
      },
    };
  }
  return null;
}
