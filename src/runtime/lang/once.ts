// Runtime of once (src/compiler/ops/once.ts): the thunk runs on the first call of a
// generation; later decoding steps get the remembered value without evaluating it.
import type { ForwardContext } from "../model/context.js";

export function once<T>(c: ForwardContext, site: string, x: () => T): T {
  if (!c.useCache) return x();
  if (c.state.has(site)) return c.state.get(site) as T;
  const v = x();
  c.state.set(site, v);
  return v;
}
