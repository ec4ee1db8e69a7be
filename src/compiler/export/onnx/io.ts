// The graph's inputs and outputs, named as Hugging Face Optimum names them (what
// transformers.js and other runners read): input_ids, attention_mask, position_ids,
// past_key_values.{i}.key|value → logits, present.{i}.key|value. See docs/onnx.md.
import type { GraphBuilder } from "./graph.js";
import type { Dim, GraphIO, StatePair, TensorVal } from "./lowering.js";
import { shapeDim } from "./tensors.js";

/** decoder: one graph for prefill and decode with a KV cache; encoder: no cache, positions from 0. */
export type GraphKind = "decoder" | "encoder" | "recurrent";

export const BATCH = "batch_size";
export const SEQUENCE = "sequence_length";
export const PAST = "past_sequence_length";
export const TOTAL = "total_sequence_length";

/** A cross-attention call whose keys and values the lowering saw (not yet known to be cacheable). */
export interface CrossSite {
  site: string;
  k: string;
  v: string;
  heads: number;
  headDim: number;
  valueDim: number;
}

export interface CacheSite {
  /** The attention call (`model.layers.0.self_attn#0`). */
  site: string;
  kvHeads: number;
  headDim: number;
  valueDim: number;
  /** Input and output names: `past_key_values.{i}[.decoder].key|value`, `present.{i}[.decoder].key|value`. */
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

/** One recurrent state tensor: `past_state.{i}.NAME` in, `present_state.{i}.NAME` out. */
export interface StateEntry {
  input: string;
  output: string;
  /** Dims with the batch as `batch_size`. */
  dims: (number | string)[];
  /** The value every element starts from (0, or -1e38 for a running maximum). */
  init: number;
}

export class OptimumIO implements GraphIO {
  readonly cacheSites: CacheSite[] = [];
  /** The decoder's uncached attention calls (cross-attention): cached afterwards by cross-cache.ts when they read only the encoder. */
  readonly crossSites: CrossSite[] = [];
  readonly states: StateEntry[] = [];
  private readonly stateSites: string[] = [];
  private positions: TensorVal | undefined;
  private mask: TensorVal | undefined;
  private readonly ids: TensorVal;

  constructor(
    private readonly g: GraphBuilder,
    readonly kind: GraphKind,
    /** The stream input (input_ids), whose [batch, sequence] the other inputs share. */
    ids: TensorVal,
    /** The decoder graph of an encoder-decoder model: Optimum's seq2seq names. */
    readonly seq2seq = false,
  ) {
    this.ids = ids;
  }

  private pastName(i: number, which: "key" | "value"): string {
    return `past_key_values.${i}${this.seq2seq ? ".decoder" : ""}.${which}`;
  }

  pastLength(): Dim {
    if (this.kind !== "decoder") return 0;
    return shapeDim(this.pastName(0, "key"), 2, PAST);
  }

  positionIds(): TensorVal {
    if (this.positions) return this.positions;
    if (this.kind === "decoder") {
      this.g.input("position_ids", "int64", [BATCH, SEQUENCE], "absolute position of each token (past tokens included)");
      this.positions = { kind: "tensor", name: "position_ids", elem: "int64", dims: this.ids.dims };
    } else {
      // An encoder sees whole sequences: positions 0..T-1 for every row.
      const g = this.g;
      const t = g.op("Squeeze", [shapeDim(this.ids.name, 1, SEQUENCE).value(g), g.i64([0])]);
      const row = g.op("Unsqueeze", [g.op("Range", [g.i64(0), t, g.i64(1)]), g.i64([0])]);
      const name = g.op("Add", [row, g.op("Mul", [this.ids.name, g.i64(0)])]);
      this.positions = { kind: "tensor", name, elem: "int64", dims: this.ids.dims };
    }
    return this.positions;
  }

  attentionMask(): TensorVal | undefined {
    if (!this.mask && this.seq2seq) {
      // The decoder's attention over the encoder output masks the encoder's padding.
      this.g.input("encoder_attention_mask", "int64", [BATCH, "encoder_sequence_length"], "1 = real encoder token, 0 = padding");
      this.mask = { kind: "tensor", name: "encoder_attention_mask", elem: "int64", dims: [this.ids.dims[0]!, shapeDim("encoder_attention_mask", 1, "encoder_sequence_length")] };
    }
    if (!this.mask) {
      this.g.input("attention_mask", "int64", [BATCH, this.kind === "decoder" ? TOTAL : SEQUENCE], "1 = real token, 0 = padding");
      const total: Dim = shapeDim("attention_mask", 1, TOTAL);
      this.mask = { kind: "tensor", name: "attention_mask", elem: "int64", dims: [this.ids.dims[0]!, total] };
    }
    return this.mask;
  }

  kvCache(site: string, k: TensorVal, v: TensorVal): { k: TensorVal; v: TensorVal } {
    if (this.kind !== "decoder") return { k, v };
    const [kvHeads, headDim, valueDim] = [k.dims[1], k.dims[3], v.dims[3]];
    if (typeof kvHeads !== "number" || typeof headDim !== "number" || typeof valueDim !== "number") throw new Error("a KV cache needs static head sizes");
    const i = this.cacheSites.length;
    const present = (which: string) => `present.${i}${this.seq2seq ? ".decoder" : ""}.${which}`;
    this.cacheSites.push({ site, kvHeads, headDim, valueDim, pastKey: this.pastName(i, "key"), pastValue: this.pastName(i, "value"), presentKey: present("key"), presentValue: present("value") });
    const past = (which: "key" | "value", d: number): TensorVal => {
      const name = this.g.input(this.pastName(i, which), "float32", [BATCH, kvHeads, PAST, d]);
      return { kind: "tensor", name, elem: "float32", dims: [k.dims[0]!, kvHeads, shapeDim(name, 2, PAST), d] };
    };
    const joined = (which: "key" | "value", x: TensorVal, d: number): TensorVal => {
      const name = `present.${i}${this.seq2seq ? ".decoder" : ""}.${which}`;
      this.g.output(name, this.g.op("Concat", [past(which, d).name, x.name], { axis: 2 }), "float32", [BATCH, kvHeads, TOTAL, d]);
      return { kind: "tensor", name, elem: "float32", dims: [k.dims[0]!, kvHeads, shapeDim(name, 2, TOTAL), d] };
    };
    return { k: joined("key", k, headDim), v: joined("value", v, valueDim) };
  }

  uncachedKv(site: string, k: TensorVal, v: TensorVal): void {
    const [heads, headDim, valueDim] = [k.dims[1], k.dims[3], v.dims[3]];
    if (!this.seq2seq || typeof heads !== "number" || typeof headDim !== "number" || typeof valueDim !== "number") return;
    this.crossSites.push({ site, k: k.name, v: v.name, heads, headDim, valueDim });
  }

  recurrentState(site: string, name: string, dims: Dim[], init = 0): StatePair {
    let i = this.stateSites.indexOf(site);
    if (i < 0) i = this.stateSites.push(site) - 1;
    const input = `past_state.${i}.${name}`;
    const output = `present_state.${i}.${name}`;
    // A state that grows with the sequence (the segments of cached keys) starts empty.
    const shown = dims.map((d, j) => (typeof d === "number" ? d : j === 0 ? BATCH : PAST));
    this.g.input(input, "float32", shown);
    this.states.push({ input, output, dims: shown, init });
    return {
      past: { kind: "tensor", name: input, elem: "float32", dims: dims.map((d, j) => (typeof d === "number" ? d : shapeDim(input, j, shown[j] as string))) },
      present: (value: TensorVal) => this.g.output(output, value.name, "float32", shown.map((d) => (d === PAST ? TOTAL : d))),
    };
  }
}
