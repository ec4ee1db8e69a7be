// Config-level functions and checks used by generated `configure` functions. The compiler's
// evaluator (src/compiler/eval) implements the same functions for checking; both follow
// Python semantics where the two languages differ (modulo, round, floor division).

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function require(ok: boolean, what: string, message: string): void {
  if (!ok) throw new ConfigError(`requirement ${what} does not hold: ${message}`);
}

export function int(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new ConfigError(`${name} must be an int, found ${JSON.stringify(v)}`);
  return v;
}

export const mod = (a: number, b: number): number => ((a % b) + b) % b;
export const floordiv = (a: number, b: number): number => Math.floor(a / b);
export const min = (...a: (number | number[])[]): number => Math.min(...a.flat());
export const max = (...a: (number | number[])[]): number => Math.max(...a.flat());
export const abs = Math.abs;
export const floor = Math.floor;
export const ceil = Math.ceil;
export const sqrt = Math.sqrt;
export const log = Math.log;
export const log2 = Math.log2;
export const exp = Math.exp;
export const f32 = Math.fround;
export const float = (x: number): number => x;
export const trunc = Math.trunc;
export const len = (a: unknown[]): number => a.length;
export const sum = (...a: (number | number[])[]): number => a.flat().reduce((x, y) => x + y, 0);
export const str = (v: unknown): string => String(v);
export const concat_lists = (a: unknown[][]): unknown[] => a.flat();

export function round(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function make_divisible(v: number, divisor: number, minValue: number = divisor): number {
  let nv = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

/** As the compiler's evaluator (MAX_RANGE): a longer range is a typo that would exhaust memory. */
const MAX_RANGE = 1_000_000;

export function range(a: number, b: number): number[] {
  if (b - a > MAX_RANGE) throw new ConfigError(`the range ${a}..${b} has more than ${MAX_RANGE.toLocaleString("en-US")} elements`);
  const out: number[] = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

export function equal(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  return a === b;
}

export function joinPath(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

export function missing(name: string): never {
  throw new ConfigError(`hyperparameter ${name} has no default and no value was given`);
}

/**
 * A given hyperparameter named like a property every object inherits (`toString`,
 * `__proto__`): only a value the caller set, never the inherited one.
 */
export function own<T extends object, K extends keyof T>(values: T, name: K): T[K] | undefined {
  return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
}
