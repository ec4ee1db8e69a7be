// A built model ready to run: a generated module's root block bound to weights, with the
// forward context that carries the KV cache and recurrent state between calls.
import { IntTensor, Tensor } from "../tensor.js";
import { ForwardContext } from "./context.js";
import { WeightBinder, type WeightSource } from "./binder.js";
import type { GeneratedModel } from "./generated-model.js";
import { kernels } from "../kernels/index.js";
import { withArena } from "../kernels/arena.js";

export interface ForwardOptions {
  /** Only the last position's output is needed: the root's linear heads skip the others. */
  lastPosition?: boolean;
}

export interface ForwardResult {
  output: Tensor;
  emitted: Map<string, Tensor>;
}

export class ModelSession {
  readonly cfg: Record<string, unknown>;
  readonly instance: unknown;
  readonly parameterCount: number;
  private readonly root: GeneratedModel["roots"][string];
  /** Linear layers that are direct members of the root block: position-wise output heads. */
  private readonly heads: ReadonlySet<object>;

  constructor(
    readonly model: GeneratedModel,
    config: Record<string, unknown>,
    source: WeightSource,
    readonly rootName: string = model.defaultRoot,
  ) {
    const root = model.roots[rootName];
    if (!root) throw new Error(`the model has no root block ${rootName}; it has ${Object.keys(model.roots).join(", ")}`);
    if (!root.forward) throw new Error(`root block ${rootName} has no forward`);
    this.root = root;
    this.cfg = model.configure(config);
    const binder = new WeightBinder(source);
    this.instance = root.build(this.cfg, binder);
    binder.finish();
    this.heads = rootHeads(this.instance);
    this.parameterCount = binder.parameterCount();
  }

  get inputNames(): string[] {
    return this.root.inputs;
  }

  /** The input whose tokens positions, caches and generation advance over. */
  get streamInput(): string | undefined {
    return this.root.stream ?? this.root.inputs[0];
  }

  /** Inputs read once per generation, e.g. the encoder's tokens of an encoder-decoder model. */
  get contextInputs(): string[] {
    return this.root.context ?? [];
  }

  newContext(useCache = false): ForwardContext {
    return new ForwardContext(useCache);
  }

  /** One forward call. `inputs` holds the root's inputs by name (input_ids, token_type_ids…). */
  forward(inputs: Record<string, IntTensor | Tensor | undefined>, ctx: ForwardContext = this.newContext(), mask?: IntTensor, opts: ForwardOptions = {}): ForwardResult {
    const stream = this.streamInput;
    const first = (stream ? inputs[stream] : undefined) ?? Object.values(inputs).find((t): t is IntTensor | Tensor => t !== undefined);
    const [b, t] = (first?.shape ?? [1, 0]) as [number, number];
    ctx.begin(b, t, mask);
    ctx.lastPositionHeads = opts.lastPosition && this.heads.size ? this.heads : undefined;
    let output: Tensor | undefined;
    try {
      // Activations in the kernels' heap; what outlives the call is copied out of it.
      withArena(kernels()?.heap, () => {
        output = this.root.forward!(this.instance, this.cfg, ctx, inputs);
      }, () => [output, ctx.emitted, ctx.state], t <= 1);
    } finally {
      ctx.lastPositionHeads = undefined;
    }
    const emitted = new Map(ctx.emitted);
    ctx.end();
    return { output: output!, emitted };
  }
}

function rootHeads(instance: unknown): Set<object> {
  const heads = new Set<object>();
  if (instance && typeof instance === "object") {
    for (const m of Object.values(instance)) {
      const kind = (m as { kind?: unknown } | null)?.kind;
      if (kind === "Linear" || kind === "Conv1D") heads.add(m as object);
    }
  }
  return heads;
}
