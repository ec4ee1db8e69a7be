// Binds a model's declared parameters to checkpoint tensors by name. Every problem is
// collected (missing, unexpected, mis-shaped) and reported together by `finish`, so one
// run names every bad tensor instead of the first.
import { shapeToString } from "../layout.js";
import { Tensor } from "../tensor.js";
import { mulberry32, normalGenerator } from "../random.js";
import { toSharedMemory } from "../kernels/index.js";

export interface BindProblem {
  tensor: string;
  kind: "missing" | "unexpected" | "shape";
  expected?: string;
  found?: string;
}

/** A checkpoint for another configuration mismatches every tensor: the first ones tell the story. */
const SHOWN_PROBLEMS = 20;

export class WeightBindError extends Error {
  constructor(
    readonly source: string,
    readonly problems: BindProblem[],
    /** What may explain the problems (e.g. hyperparameters config.json left at their defaults). */
    readonly notes: string[] = [],
  ) {
    super(
      `${source}: ${problems.length} weight problem${problems.length === 1 ? "" : "s"}\n` +
        problems
          .slice(0, SHOWN_PROBLEMS)
          .map((p) =>
            p.kind === "missing"
              ? `  missing tensor ${p.tensor} (expected shape ${p.expected})`
              : p.kind === "unexpected"
                ? `  unexpected tensor ${p.tensor} (shape ${p.found}): the model declares no such parameter`
                : `  tensor ${p.tensor}: expected shape ${p.expected}, found ${p.found}`,
          )
          .join("\n") +
        (problems.length > SHOWN_PROBLEMS ? `\n  … and ${problems.length - SHOWN_PROBLEMS} more` : "") +
        notes.map((n) => `\n  note: ${n}`).join(""),
    );
  }
}

export interface WeightSource {
  label: string;
  get(name: string): Tensor | undefined;
  names(): Iterable<string>;
  /** Sources that synthesise weights (random smoke runs) make any tensor asked for. */
  make?(name: string, shape: number[]): Tensor;
}

export function mapSource(label: string, tensors: ReadonlyMap<string, Tensor>): WeightSource {
  return { label, get: (n) => tensors.get(n), names: () => tensors.keys() };
}

/** Deterministic random weights for smoke runs: norm-like vectors near 1, the rest N(0, 0.2). */
export function randomSource(seed: number): WeightSource {
  return {
    label: `random weights (seed ${seed})`,
    get: () => undefined,
    names: () => [],
    make: (name, shape) => randomFor(name, shape, seed),
  };
}

function randomFor(name: string, shape: number[], seed: number): Tensor {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  const next = normalGenerator(mulberry32(h >>> 0));
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  const vector = shape.length === 1;
  const normLike = vector && /(norm|ln|layernorm|LayerNorm)[^.]*\.weight$|_norm\.weight$/.test(name);
  for (let i = 0; i < size; i++) data[i] = normLike ? 1 + 0.1 * next() : (vector ? 0.1 : 0.2) * next();
  return new Tensor(data, [...shape]);
}

export class WeightBinder {
  private readonly bound = new Map<string, Tensor>();
  private readonly ties = new Map<string, string>();
  private readonly problems: BindProblem[] = [];
  /** Buffers a checkpoint may carry that the model recomputes (accepted, unused). */
  private readonly optional = new Set<string>();

  constructor(readonly source: WeightSource) {}

  /** `target` is not stored: it shares `source`'s tensor (tied embeddings). */
  tie(target: string, source: string): void {
    this.ties.set(target, source);
  }

  param(name: string, shape: number[]): Tensor {
    const tiedTo = this.ties.get(name);
    const key = tiedTo ?? name;
    const hit = this.bound.get(key);
    if (hit) return hit;
    let t = this.source.get(key);
    if (!t && this.source.make) t = this.source.make(key, shape);
    if (!t || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      this.problems.push(t ? { tensor: key, kind: "shape", expected: shapeToString(shape), found: shapeToString(t.shape) } : { tensor: key, kind: "missing", expected: shapeToString(shape) });
      // A stand-in so building can go on and report every problem; `finish` throws before any
      // use. Its zeros are never touched (not copied to shared memory), so a model the
      // checkpoint does not match (hidden size 4096 over a tiny checkpoint) costs no memory.
      const standIn = Tensor.zeros(shape);
      this.bound.set(key, standIn);
      return standIn;
    }
    // Weights move to the kernels' shared memory once, so products (and their worker
    // threads) read them in place; checkpoints loaded straight into it are not copied.
    t = toSharedMemory(t);
    this.bound.set(key, t);
    return t;
  }

  /** A stored buffer the model does not need (e.g. rotary inv_freq): allowed, never required. */
  buffer(name: string): void {
    this.optional.add(name);
  }

  /** Throws WeightBindError when anything was missing, mis-shaped or left over. */
  finish(): void {
    for (const n of this.source.names()) {
      if (this.bound.has(n) || this.optional.has(n)) continue;
      const t = this.source.get(n);
      this.problems.push({ tensor: n, kind: "unexpected", found: t ? shapeToString(t.shape) : "?" });
    }
    if (this.problems.length) throw new WeightBindError(this.source.label, this.problems);
  }

  /** Unique parameter tensors bound so far (a tied matrix counts once). */
  parameterCount(): number {
    let n = 0;
    // From shapes: reading .data would load a deferred weight.
    for (const t of this.bound.values()) n += t.shape.reduce((a, b) => a * b, 1);
    return n;
  }
}
