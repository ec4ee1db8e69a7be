// A small argv parser: positional arguments, `--flag`, `--key value` and `--key=value`.
// Repeated options are kept in order (`--preset A --preset B` for diff).
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string[]>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], flags: ReadonlySet<string>): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--") || (a.startsWith("-") && a.length === 2 && !/^-\d/.test(a))) {
      const eq = a.indexOf("=");
      const key = (eq >= 0 ? a.slice(0, eq) : a).replace(/^-+/, "");
      const name = key === "o" ? "out" : key;
      let value: string;
      if (eq >= 0) value = a.slice(eq + 1);
      else if (flags.has(name)) value = "true";
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`option --${name} needs a value`);
        value = next;
        i++;
      }
      options.set(name, [...(options.get(name) ?? []), value]);
    } else positional.push(a);
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

export function intOpt(a: ParsedArgs, name: string, dflt: number): number {
  const v = opt(a, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} needs a non-negative integer, found ${JSON.stringify(v)}`);
  return n;
}
