import type { ParsedArgs } from "../args.js";
import type { Io } from "../io.js";

export interface Command {
  summary: string;
  usage: string;
  /** Options that take no value. */
  flags: string[];
  run(args: ParsedArgs, io: Io): Promise<number>;
}
