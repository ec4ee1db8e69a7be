// Values chosen per configuration (`if c then a else b`, a submodule built as `A` or `B`): the
// conditions that select each option, and the type of the chosen value.
import { choiceSym, type Condition } from "./symbolic.js";
import { tensor, type TensorT } from "./types.js";

/** The opposite choice; undecided where `c` is. */
export const negate =
  (c: Condition): Condition =>
  (env) => {
    const v = c(env);
    return v === undefined ? undefined : !v;
  };

/** Holds where none of the conditions can be told (they read a block parameter or a local). */
export const undecided =
  (cs: Condition[]): Condition =>
  (env) =>
    cs.every((c) => c(env) === undefined);

// Holds where all hold, fails where one fails, undecided otherwise.
const allOf =
  (cs: Condition[]): Condition =>
  (env) =>
    cs.some((c) => c(env) === false) ? false : cs.every((c) => c(env) === true) ? true : undefined;

/**
 * The type of a value chosen per configuration: a size that differs between the options is
 * the size of the option that configuration takes.
 */
export function chosenTensor(options: { when: Condition[]; type: TensorT }[], text: (dims: string[]) => string): TensorT {
  const first = options[0]!.type;
  const dims = first.dims.map((d, i) => {
    const syms = options.map((o) => o.type.dims[i] ?? d);
    if (syms.every((x) => x.equals(d))) return d;
    return choiceSym(
      text(syms.map(String)),
      options.map((o, k) => ({ when: allOf(o.when), sym: syms[k]! })),
    );
  });
  return tensor(dims, first.ids);
}
