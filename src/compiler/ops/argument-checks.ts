// Checks shape rules share on their arguments: each reports through the OpContext and returns
// the narrowed type, or undefined (after reporting, or when the argument is missing).
import { Sym } from "../shapes/sym.js";
import { typeText, type ModuleListT, type ScalarT, type TensorT } from "../check/types.js";
import type { OpArg, OpContext } from "./op-def.js";

/** A tensor of at least `minRank` dimensions. */
export const asTensor = (a: OpArg | undefined, c: OpContext, what: string, minRank = 1): TensorT | undefined => {
  if (!a) return undefined;
  if (a.type.kind !== "tensor") return c.fail("E0403", a.expr.span, `${what} must be a tensor`, { found: typeText(a.type) });
  if (a.type.dims.length < minRank) {
    return c.fail("E0305", a.expr.span, `${what} needs at least ${minRank} dimensions`, { expected: `rank >= ${minRank}`, found: typeText(a.type) });
  }
  return a.type;
};

/** A sequence [B, T, C] (the recurrent ops). */
export const asSequence = (a: OpArg | undefined, c: OpContext, what: string): TensorT | undefined => {
  if (!a) return undefined;
  if (a.type.kind !== "tensor" || a.type.dims.length !== 3) {
    return c.fail("E0305", a.expr.span, `${what} must be a tensor [B, T, C]`, { expected: "[B, T, C]", found: typeText(a.type) });
  }
  return a.type;
};

/** A per-channel vector whose last dimension is x's channels. */
export const checkChannels = (a: OpArg | undefined, x: TensorT, c: OpContext, what: string): void => {
  if (!a || a.type.kind !== "tensor") return;
  const d = a.type.dims;
  if (d.length === 0) return void c.fail("E0305", a.expr.span, `${what} must be a per-channel vector`, { found: typeText(a.type) });
  c.sameDim(x.dims[2]!, d[d.length - 1]!, a.expr.span, "E0301", `channels of ${what}`);
};

/** A list of modules (experts, adaptive tables). */
export const asModuleList = (a: OpArg | undefined, c: OpContext, what: string): ModuleListT | undefined => {
  if (!a) return undefined;
  if (a.type.kind !== "modlist") return c.fail("E0201", a.expr.span, `${what} must be a list of modules`, { found: typeText(a.type) });
  return a.type;
};

/** The symbolic value of a scalar argument. */
export const scalarSym = (a: OpArg | undefined): Sym | undefined => (a && a.type.kind === "scalar" ? a.type.sym : undefined);

/** The items of a list literal argument (`[a, b, …]`), when it is one. */
export const listItems = (a: OpArg | undefined): ScalarT[] | undefined => (a?.type as (ScalarT & { items?: ScalarT[] }) | undefined)?.items;

/** An axis argument as a non-negative index (negative counts from the end); -1 when it is no axis. */
export const axisOf = (a: OpArg | undefined, rank: number, dflt: number): number => {
  const v = scalarSym(a)?.constValue() ?? dflt;
  // A fractional axis is no axis: -1 is out of range for every caller's check.
  if (!Number.isInteger(v)) return -1;
  return v < 0 ? rank + v : v;
};

export const axisInRange = (ax: number, rank: number): boolean => ax >= 0 && ax < rank;

export const product = (ds: Sym[]): Sym => ds.reduce((p, d) => p.mul(d), Sym.const(1));
