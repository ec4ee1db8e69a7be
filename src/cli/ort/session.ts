// An exported graph on onnxruntime-node (CPU execution provider): one forward over token
// ids, and greedy generation feeding each step's present.{i}.key|value back as past.
import { join } from "node:path";
import { argmaxRow, IntTensor, Tensor } from "../../runtime/index.js";
import type { OnnxManifest } from "../../compiler/export/onnx/export.js";
import { loadOrt, type Ort } from "./load.js";

type OrtSession = Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;
type OrtTensor = InstanceType<Ort["Tensor"]>;

export interface OrtForward {
  output: Tensor;
  emitted: Map<string, Tensor>;
}

export class OrtModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly manifest: OnnxManifest,
  ) {}

  static async open(folder: string, manifest: OnnxManifest, threads?: number): Promise<OrtModel> {
    const ort = await loadOrt();
    const session = await ort.InferenceSession.create(join(folder, manifest.model), {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
    return new OrtModel(ort, session, manifest);
  }

  private ids(t: IntTensor | number[][]): OrtTensor {
    const rows = Array.isArray(t) ? t : undefined;
    const shape = rows ? [rows.length, rows[0]!.length] : t instanceof IntTensor ? t.shape : [];
    const data = rows ? BigInt64Array.from(rows.flat().map(BigInt)) : BigInt64Array.from(Array.from((t as IntTensor).data, BigInt));
    return new this.ort.Tensor("int64", data, shape);
  }

  /** What a new sequence starts from: empty KV caches, recurrent states at their start value. */
  private emptyPast(batch: number): Record<string, OrtTensor> {
    const feeds: Record<string, OrtTensor> = {};
    for (const st of this.manifest.state) {
      const dims = st.dims.map((d) => (typeof d === "number" ? d : batch));
      feeds[st.input] = new this.ort.Tensor("float32", new Float32Array(dims.reduce((p, d) => p * d, 1)).fill(st.init), dims);
    }
    this.manifest.cache.forEach((c, i) => {
      feeds[`past_key_values.${i}.key`] = new this.ort.Tensor("float32", new Float32Array(0), [batch, c.kvHeads, 0, c.headDim]);
      feeds[`past_key_values.${i}.value`] = new this.ort.Tensor("float32", new Float32Array(0), [batch, c.kvHeads, 0, c.valueDim]);
    });
    return feeds;
  }

  private positions(batch: number, from: number, length: number): OrtTensor {
    const data = new BigInt64Array(batch * length);
    for (let b = 0; b < batch; b++) for (let j = 0; j < length; j++) data[b * length + j] = BigInt(from + j);
    return new this.ort.Tensor("int64", data, [batch, length]);
  }

  private ones(batch: number, length: number): OrtTensor {
    return new this.ort.Tensor("int64", new BigInt64Array(batch * length).fill(1n), [batch, length]);
  }

  /** One uncached forward over whole sequences (verification). */
  async forward(inputs: Record<string, IntTensor | undefined>, mask?: IntTensor): Promise<OrtForward> {
    const present = Object.entries(inputs).filter((e): e is [string, IntTensor] => e[1] !== undefined);
    const [batch, length] = present[0]![1].shape as [number, number];
    const feeds: Record<string, OrtTensor> = {};
    for (const name of this.manifest.inputs) {
      const given = inputs[name];
      if (given) feeds[name] = this.ids(given);
      else if (name === "attention_mask") feeds[name] = mask ? this.ids(mask) : this.ones(batch, length);
      else if (name === "position_ids") feeds[name] = this.positions(batch, 0, length);
      else if (name === "token_type_ids") feeds[name] = new this.ort.Tensor("int64", new BigInt64Array(batch * length), [batch, length]);
    }
    Object.assign(feeds, this.emptyPast(batch));
    const out = await this.session.run(feeds);
    const emitted = new Map<string, Tensor>();
    for (const name of this.manifest.intermediates) emitted.set(name, toTensor(out[name]!));
    return { output: toTensor(out[this.manifest.outputs[0]!]!), emitted };
  }

  /** A sequence decoded through the KV cache: each `feed` appends tokens and returns the greedy next one. */
  sequence(): { feed(ids: number[]): Promise<number> } {
    if (this.manifest.kind === "encoder") throw new Error(`${this.manifest.arch} is exported as an encoder graph: it does not generate`);
    const wants = new Set(this.manifest.inputs);
    let past: Record<string, OrtTensor> = this.emptyPast(1);
    let done = 0;
    return {
      feed: async (ids: number[]) => {
        const feeds: Record<string, OrtTensor> = { ...past, input_ids: this.ids([ids]) };
        if (wants.has("attention_mask")) feeds.attention_mask = this.ones(1, done + ids.length);
        if (wants.has("position_ids")) feeds.position_ids = this.positions(1, done, ids.length);
        const r = await this.session.run(feeds);
        done += ids.length;
        past = {};
        this.manifest.cache.forEach((_, i) => {
          past[`past_key_values.${i}.key`] = r[`present.${i}.key`]!;
          past[`past_key_values.${i}.value`] = r[`present.${i}.value`]!;
        });
        for (const st of this.manifest.state) past[st.input] = r[st.output]!;
        const logits = r[this.manifest.outputs[0]!]!;
        const v = logits.dims[2]!;
        const data = logits.data as Float32Array;
        return argmaxRow(data, data.length - v, v);
      },
    };
  }

  /** Greedy decoding of one prompt: prefill, then one token per step. */
  async generate(prompt: number[], maxNewTokens: number, onToken?: (id: number) => void): Promise<number[]> {
    const seq = this.sequence();
    const out: number[] = [];
    let ids = prompt;
    for (let step = 0; step < maxNewTokens; step++) {
      const next = await seq.feed(ids);
      out.push(next);
      onToken?.(next);
      ids = [next];
    }
    return out;
  }
}

function toTensor(t: { data: unknown; dims: readonly number[] }): Tensor {
  return new Tensor(Float32Array.from(t.data as Float32Array), [...t.dims]);
}
