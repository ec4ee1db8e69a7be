// What an op or primitive becomes in PyTorch. Each definition carries its own lowering
// (the `torch` field beside it); the emitter only composes them.

/** Python text of each argument the call site gives, by parameter name. */
export type PyArgs = Record<string, string | undefined>;

export interface TorchOpLowering {
  /** A Python expression over the arguments' text (`torch.sigmoid(x)`), when the op is one. */
  inline?: (a: PyArgs, rest: string[]) => string;
  /**
   * Otherwise a function of the package's ops.py, called `ops.<op>(…)` with the call's
   * positional then keyword arguments: its Python source (`def <op>(…)`, plain torch).
   * Ops that keep state across decoding steps (`stateful` in the op definition) take the
   * Context and a call-site key first; `context` asks for the Context alone.
   */
  helper?: string;
  context?: boolean;
}

export interface TorchPrimitiveLowering {
  /** The torch.nn class (or one of the package's layers.py classes) this primitive builds. */
  cls: string;
  /** Constructor arguments from the primitive's arguments (`cfg.d, cfg.vocab, bias=False`). */
  args(a: Record<string, string>): string;
  /** Source of the layers.py class, when `cls` is one. */
  helper?: string;
  /** How the module is applied to x, when not `m(x)` (an LSTM resumes its state). */
  apply?: (m: string, x: string) => string;
  /** Not a module: a tensor attribute (nn.Parameter) or a registered buffer. */
  tensor?: "parameter" | "buffer";
}

/** An elementwise op that is one torch call of its argument. */
export const inlineUnary = (f: (x: string) => string): TorchOpLowering => ({ inline: (a) => f(a.x!) });

/** An argument's Python text, or the op's default when the call leaves it out. */
export const orDefault = (v: string | undefined, dflt: string): string => v ?? dflt;
