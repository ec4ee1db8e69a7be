// What the diff asks of an op, read from its definition (`diff.role`, `diff.phrase`): the
// role it plays in a layer and plain words for the attribute values a summary names.
import { opNamed } from "../ops/catalogue.js";
import type { OpRole } from "../ops/op-def.js";

export type { OpRole };

export const opRole = (op: string): OpRole | undefined => opNamed(op)?.diff.role;

/** Words for an attribute's value ("raw top-k weights"), undefined when the op gives none. */
export const opPhrase = (op: string, attr: string, value: string, changed: Readonly<Record<string, string>>): string | undefined => opNamed(op)?.diff.phrase?.(attr, value, changed);
