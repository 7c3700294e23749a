import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

const SAFE = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * A file name for an id that came in a webhook. Ids are the sender's text, so `../../etc` or `C:\x` must never become
 * a path: anything but letters, digits, `_` and `-` is replaced by a hash of the id.
 */
export function safeFileName(id: string): string {
  return SAFE.test(id) ? id : `id-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

/** `<exportsDir>/<shop>/<request>.json`: one file per data request, named so that a retry targets the same file. */
export function exportPathFor(exportsDir: string, shopId: string, requestId: string): string {
  return join(resolve(exportsDir), safeFileName(shopId), `${safeFileName(requestId)}.json`);
}

/** The folder holding every export of a shop. */
export function shopExportDir(exportsDir: string, shopId: string): string {
  return join(resolve(exportsDir), safeFileName(shopId));
}

/** Write JSON through a temporary file and a rename, so a reader never sees half an export. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Delete files or folders, but only inside `exportsDir`: a path read back from the database is checked again. */
export async function removeInside(exportsDir: string, paths: string[]): Promise<void> {
  const root = resolve(exportsDir);
  for (const path of paths) {
    const rel = relative(root, resolve(path));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    await rm(path, { force: true, recursive: true });
  }
}
