// Which input of a root block a generation extends token by token. Read off the declared
// signature: the stream is the token-id input whose token axis the result shares
// (`decoder_input_ids: ids[B, T]` for `-> [B, T, vocab]`); token-id inputs with a token axis
// of their own are context, given once with the prompt (an encoder's `input_ids: ids[B, S]`).
import type * as A from "../ast/nodes.js";
import type { BlockIR } from "../ir/model.js";
import { exprText } from "../ast/expr-text.js";

export interface TokenStreams {
  stream?: string;
  context: string[];
}

export function tokenStreams(b: BlockIR): TokenStreams {
  const params = b.forward?.params ?? [];
  const ids = params.filter((p) => p.type.ids && p.type.dims.length >= 2);
  const result = b.forward?.result;
  const axis = (dims: A.Expr[]) => (dims.length >= 2 ? exprText(dims[1]!) : undefined);
  const out = result ? axis(result.dims) : undefined;
  const stream = ids.find((p) => out !== undefined && axis(p.type.dims) === out) ?? ids[0];
  if (!stream) return { context: [] };
  const own = axis(stream.type.dims);
  return { stream: stream.name, context: ids.filter((p) => p !== stream && axis(p.type.dims) !== own).map((p) => p.name) };
}
