import { renameSync, rmSync, writeFileSync } from "node:fs";

/** Writes through a temporary file and a rename, so an interrupted run never leaves half a module. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
