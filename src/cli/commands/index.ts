import type { Command } from "./command.js";
import { check } from "./check.js";
import { compile } from "./compile.js";
import { print } from "./print.js";
import { stats } from "./stats.js";
import { run } from "./run.js";
import { verify } from "./verify.js";
import { zoo } from "./zoo.js";
import { importCmd } from "./import.js";
import { diff } from "./diff.js";
import { table } from "./table.js";
import { draw } from "./draw.js";
import { report } from "./report.js";
import { fmt } from "./fmt.js";
import { bench } from "./bench.js";
import { exportCmd } from "./export.js";

export const commands: Record<string, Command> = {
  zoo,
  check,
  compile,
  print,
  stats,
  run,
  verify,
  import: importCmd,
  diff,
  table,
  draw,
  report,
  fmt,
  bench,
  export: exportCmd,
};
