// Runs the CLI in-process with its output captured, the way a shell would see it.
import { main, type Io } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
  /** What went to the in-place status line (Io.progress), as a terminal would receive it. */
  progress: string;
}

export async function archc(...argv: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  let progress = "";
  const line = (s: string) => (s.endsWith("\n") ? s : `${s}\n`);
  const io: Io = { out: (s) => void (out += line(s)), err: (s) => void (err += line(s)), progress: (s) => void (progress += s) };
  const code = await main(argv, io);
  return { code, out, err, progress };
}
