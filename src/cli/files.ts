// Reading and writing the user's files. Every failure is a FileError naming the path and
// saying what is wrong in words (exit 1), never a bare errno (`ENOSPC` with no path, exit
// 70). Writes go through a temporary file and a rename, so an interrupted run never leaves
// half a file; rewriting a file in place (fmt) keeps what the user set up: a symlink stays
// a link (its target is rewritten), hard links stay linked, mode and owner are kept.
import { accessSync, constants, existsSync, mkdirSync, chownSync, closeSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, writeSync, ftruncateSync, chmodSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** A file-system problem with a path the user gave or a command derived: exit 1. */
export class FileError extends Error {
  override readonly name = "FileError";
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const reasons: Record<string, string> = {
  ENOENT: "no such file or directory",
  EISDIR: "is a folder, expected a file",
  ENOTDIR: "a component of the path is not a folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many levels of symbolic links",
  EMFILE: "too many open files",
  EEXIST: "already exists",
  EXDEV: "cannot move across file systems",
  EIO: "input/output error",
  ENXIO: "no such device (a socket or a FIFO without a writer?)",
};

/** Whether `e` is an errno error from node:fs. */
export function isErrno(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
}

/** `e` as a FileError at `path` (the path the error carries, when it has one). */
export function fileError(e: unknown, path: string): FileError | unknown {
  if (e instanceof FileError || !isErrno(e)) return e;
  const reason = reasons[e.code] ? `${reasons[e.code]} (${e.code})` : e.message.replace(/^\w+: /, "").replace(/, \w+ '.*'$/, "");
  return new FileError(e.path ?? path, reason, e.code);
}

/** Runs `f` on `path`, turning an errno failure into a FileError naming the path. */
export function atPath<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fileError(e, path);
  }
}

/** A regular file's text, decoded as UTF-8 by the caller's rules; a folder or a device is refused. */
export function readUserFile(path: string): Buffer {
  return atPath(path, () => {
    const st = statSync(path);
    if (st.isDirectory()) throw new FileError(path, "is a folder, expected a file", "EISDIR");
    if (!st.isFile()) throw new FileError(path, "is not a regular file (a FIFO, socket or device)");
    return readFileSync(path);
  });
}


function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes `NAME.tmp-PID` files and folders next to `path` left by a run that was killed
 * (PID no longer running). A live process's temporary files are left alone.
 */
export function removeStaleTemporaries(path: string): void {
  const dir = dirname(path);
  const base = basename(path).replace(/^\./, "");
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of entries) {
    const name = f.replace(/^\./, "");
    if (!name.startsWith(`${base}.tmp-`)) continue;
    const m = /^\.tmp-(\d+)(\.old)?$/.exec(name.slice(base.length));
    if (!m || alive(Number(m[1]))) continue;
    // `.old` is the previous version a killed swap had moved aside: put it back if nothing replaced it.
    if (m[2] && !existsSync(path)) renameSync(join(dir, f), path);
    else rmSync(join(dir, f), { recursive: true, force: true });
  }
}

/** Writes through a temporary file and a rename, so an interrupted run never leaves half a file. */
export function writeAtomic(path: string, text: string | Uint8Array): void {
  removeStaleTemporaries(path);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fileError(isErrno(e) ? Object.assign(e, { path }) : e, path);
  }
}

/**
 * Replaces the contents of an existing file the user owns the layout of (fmt): through a
 * symlink to its target; keeping its mode and owner; and, for a file with several hard
 * links, in place (a rename would split the links) once a complete copy of the new text has
 * been written next to it, so a full disk fails before the file is touched.
 */
export function rewriteInPlace(path: string, text: string | Uint8Array): void {
  const target = atPath(path, () => realpathSync(path));
  const st = atPath(target, () => statSync(target));
  removeStaleTemporaries(target);
  const tmp = `${target}.tmp-${process.pid}`;
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  try {
    writeFileSync(tmp, bytes, { mode: st.mode & 0o7777 });
    // The umask may have narrowed the mode; chown fails unless we may give the file away.
    chmodSync(tmp, st.mode & 0o7777);
    if (st.uid !== lstatSync(tmp).uid || st.gid !== lstatSync(tmp).gid) {
      try {
        chownSync(tmp, st.uid, st.gid);
      } catch {
        // Not permitted (not root): the file is ours, as any file we create is.
      }
    }
    if (st.nlink > 1) {
      const fd = openSync(target, "r+");
      try {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, off);
        ftruncateSync(fd, bytes.length);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      rmSync(tmp, { force: true });
    } else renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fileError(isErrno(e) ? Object.assign(e, { path: target }) : e, target);
  }
}

/**
 * Creates a folder (and its parents) for output. A parent that cannot be written is named
 * with the reason — on a read-only mount, a recursive mkdir can fail as if the path did
 * not exist, which would send the user looking for a typo.
 */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new FileError(dir, "is a file, expected a folder", "ENOTDIR");
  } catch (e) {
    if (e instanceof FileError) throw e;
    if (isErrno(e) && e.code === "EEXIST") throw new FileError(dir, "is a file, expected a folder", "ENOTDIR");
    if (isErrno(e) && (e.code === "ENOENT" || e.code === "EACCES" || e.code === "EPERM")) {
      let parent = resolve(dir);
      while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
      try {
        accessSync(parent, constants.W_OK);
      } catch (why) {
        const code = isErrno(why) ? why.code : "EACCES";
        throw new FileError(parent, `${reasons[code] ?? code} (${code}): cannot create ${dir} in it`, code);
      }
      if (statvfsReadOnly(parent)) throw new FileError(parent, `read-only file system (EROFS): cannot create ${dir} in it`, "EROFS");
    }
    throw fileError(e, dir);
  }
}

/** Whether the file system holding `path` is mounted read-only (Linux: /proc/self/mountinfo). */
function statvfsReadOnly(path: string): boolean {
  try {
    const mounts = readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" "))
      .filter((f) => f.length > 5)
      .map((f) => ({ point: f[4]!.replace(/\\040/g, " "), ro: f[5]!.split(",").includes("ro") }));
    const abs = resolve(path);
    const best = mounts.filter((m) => abs === m.point || abs.startsWith(m.point.endsWith("/") ? m.point : `${m.point}/`)).sort((a, b) => b.point.length - a.point.length)[0];
    return best?.ro ?? false;
  } catch {
    return false;
  }
}
