import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Where a write to `file` lands: through a symlink to its target, so a linked ~/.aws/credentials stays linked. */
export function resolveWriteTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** A directory that is not this user's own private directory: nothing secret may be written into it. */
export class UnsafeDirectoryError extends Error {
  constructor(readonly dir: string, readonly problem: string, readonly fix: string) {
    super(`${dir} ${problem}: refusing to keep credentials there. ${fix}`);
    this.name = 'UnsafeDirectoryError';
  }
}

/**
 * Makes sure `dir` is a real directory (not a symlink), owned by this user and closed to everyone
 * else (mode & 077 == 0), creating it 0700 when it does not exist. Anything else is refused: in a
 * directory another user can write to, or reach through a link they planted, they could read the
 * credentials or swap files under us.
 */
export function ensurePrivateDirectory(dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (mkdirError) {
      // Another sesame-aws made it in between: it is checked below like any other.
      if ((mkdirError as NodeJS.ErrnoException).code !== 'EEXIST') throw mkdirError;
    }
    stat = fs.lstatSync(dir);
  }
  if (stat.isSymbolicLink()) throw new UnsafeDirectoryError(dir, 'is a symbolic link', 'Remove the link; sesame-aws creates the directory itself (mode 0700).');
  if (!stat.isDirectory()) throw new UnsafeDirectoryError(dir, 'is not a directory', 'Remove it or point SESAME_AWS_CACHE_DIR elsewhere.');
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) throw new UnsafeDirectoryError(dir, `belongs to uid ${stat.uid}, not to you (uid ${uid})`, 'Use a directory of your own (SESAME_AWS_CACHE_DIR).');
  if ((stat.mode & 0o077) !== 0) {
    throw new UnsafeDirectoryError(dir, `has mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}, open to other users`, `Run: chmod 700 ${dir}`);
  }
}

/**
 * Replaces `file` with `content` atomically: a private temp file in the same directory, fsync, then
 * rename over the target. A reader sees the old file or the new one, never half of either; a crash
 * leaves the old file. The result has `mode` whatever the old file had (credentials are 0600).
 * With `followSymlinks` (the default, for ~/.aws/credentials that users link on purpose) a link at
 * `file` is written through; without it, the link itself is replaced and its target never touched.
 */
export function writeFileAtomically(file: string, content: string, mode = 0o600, options: { followSymlinks?: boolean } = {}): void {
  const target = options.followSymlinks === false ? file : resolveWriteTarget(file);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = fs.openSync(temp, 'wx', mode);
  try {
    fs.writeSync(fd, content);
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  try {
    // Make the rename itself durable.
    const dirFd = fs.openSync(dir, 'r');
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  } catch {
    // Not every filesystem lets a directory be opened for fsync.
  }
}

const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 30_000;

/**
 * Runs `update` while holding `<file>.lock` (O_EXCL), so two sesame-aws processes writing different
 * profiles into one credentials file cannot lose each other's read-modify-write. A lock older than
 * 30 s is a crashed writer's and is taken over.
 */
export async function withFileLock<T>(file: string, update: () => T): Promise<T> {
  const lock = `${resolveWriteTarget(file)}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.rmSync(lock, { force: true });
      } catch {
        // gone already
      }
      if (Date.now() > deadline) throw new Error(`${lock} is held by another sesame-aws; remove it if no sesame-aws is running`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return update();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
