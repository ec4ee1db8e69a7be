// The command line, parsed strictly: positional arguments, `--flag`, `--key value` and
// `--key=value`, and nothing else. An option the command does not declare, a flag given a
// value, an option without one or a number that is not plainly written is a UsageError
// (exit 2 with the command's usage): a typo must never be ignored (`--temprature 0.9`
// would otherwise decode greedily and exit 0). Repeated options are kept in order
// (`--preset A --preset B` for diff).
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string[]>;
}

export class UsageError extends Error {}

/** What a command accepts: valueless flags, options taking a value, and how many positionals. */
export interface ArgSpec {
  flags: ReadonlySet<string>;
  options: ReadonlySet<string>;
  maxPositional?: number;
}

/** Short forms: `-o DIR`, `-h`. */
const short: Record<string, string> = { o: "out", h: "help" };

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  const known = () => [...spec.flags, ...spec.options].sort().map((n) => `--${n}`).join(", ");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    // `-` alone and negative numbers are arguments, not options.
    if (!a.startsWith("-") || a === "-" || /^-\d/.test(a)) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const written = eq >= 0 ? a.slice(0, eq) : a;
    const name = written.startsWith("--") ? written.slice(2) : short[written.slice(1)];
    if (!name || (!spec.flags.has(name) && !spec.options.has(name))) {
      throw new UsageError(`unknown option ${written}${known() ? ` (this command takes ${known()})` : " (this command takes no options)"}`);
    }
    let value: string;
    if (spec.flags.has(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value, found ${JSON.stringify(a.slice(eq + 1))}`);
      value = "true";
    } else if (eq >= 0) value = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`option --${name} needs a value`);
      value = next;
      i++;
    }
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  if (spec.maxPositional !== undefined && positional.length > spec.maxPositional) {
    const extra = positional.slice(spec.maxPositional);
    throw new UsageError(`unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((x) => JSON.stringify(x)).join(" ")}`);
  }
  return { positional, options };
}

export function opt(a: ParsedArgs, name: string): string | undefined {
  const v = a.options.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function flag(a: ParsedArgs, name: string): boolean {
  return a.options.get(name)?.[0] === "true";
}

/** A whole number written in plain decimal digits: not `0x10`, `1e2`, `1.0`, `+3` or ` 5`. */
export function decimalInt(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A non-negative integer option in [min, max] (default: no upper bound). */
export function intOpt(a: ParsedArgs, name: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = opt(a, name);
  if (v === undefined) return dflt;
  const n = decimalInt(v);
  if (n === undefined || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? (min === 0 ? "a non-negative integer" : `an integer >= ${min}`) : `an integer from ${min} to ${max}`;
    throw new UsageError(`--${name} needs ${range}, found ${JSON.stringify(v)}`);
  }
  return n;
}

/** A decimal number (`0.9`, `1e-3`), finite: not hex, not empty, not `Infinity`. */
export function decimalNumber(s: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  const x = Number(s);
  return Number.isFinite(x) ? x : undefined;
}
