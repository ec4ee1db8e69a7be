import type { ParsedArgs } from "../args.js";
import type { Io } from "../io.js";

export interface Command {
  summary: string;
  usage: string;
  /** Options that take no value (`--json` and `--help` are every command's). */
  flags: string[];
  /** Options that take a value; any other option is a command-line error (exit 2). */
  options: string[];
  /** At most this many positional arguments (default: any number). */
  maxPositional?: number;
  run(args: ParsedArgs, io: Io): Promise<number>;
}
