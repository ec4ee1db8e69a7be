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
    /** An encoder-decoder's encoder, run once per input sequence. */
    private readonly encoder?: OrtSession,
  ) {}

  static async open(folder: string, manifest: OnnxManifest, threads?: number): Promise<OrtModel> {
    const ort = await loadOrt();
    const create = (file: string) =>
      ort.InferenceSession.create(join(folder, file), {
        executionProviders: ["cpu"],
        graphOptimizationLevel: "all",
        logSeverityLevel: 3,
        ...(threads ? { intraOpNumThreads: threads } : {}),
      });
    return new OrtModel(ort, await create(manifest.model), manifest, manifest.encoder ? await create(manifest.encoder.model) : undefined);
  }

  /** The graph's input and output names (a reference graph is checked against the manifest). */
  get graphInputs(): readonly string[] {
    return this.session.inputNames;
  }
  get graphOutputs(): readonly string[] {
    return this.session.outputNames;
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
      // past_sequence_length: a state that grows with the sequence starts empty.
      const dims = st.dims.map((d) => (typeof d === "number" ? d : d === "past_sequence_length" ? 0 : batch));
      feeds[st.input] = new this.ort.Tensor("float32", new Float32Array(dims.reduce((p, d) => p * d, 1)).fill(st.init), dims);
    }
    for (const c of this.manifest.cache) {
      feeds[c.pastKey] = new this.ort.Tensor("float32", new Float32Array(0), [batch, c.kvHeads, 0, c.headDim]);
      feeds[c.pastValue] = new this.ort.Tensor("float32", new Float32Array(0), [batch, c.kvHeads, 0, c.valueDim]);
    }
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

  /** The encoder's output for `ids` (an encoder-decoder's context), with what it emits. */
  private async encode(ids: OrtTensor, mask: OrtTensor, emitted?: Map<string, Tensor>): Promise<OrtTensor> {
    const feeds: Record<string, OrtTensor> = { input_ids: ids };
    if (this.manifest.encoder!.inputs.includes("attention_mask")) feeds.attention_mask = mask;
    const r = await this.encoder!.run(feeds);
    for (const name of this.manifest.encoder!.intermediates) emitted?.set(name, toTensor(r[name]!));
    return r.last_hidden_state!;
  }

  /** One uncached forward over whole sequences (verification). */
  async forward(inputs: Record<string, IntTensor | undefined>, mask?: IntTensor): Promise<OrtForward> {
    const stream = inputs[this.manifest.stream] ?? Object.values(inputs).find((t) => t !== undefined)!;
    const [batch, length] = stream.shape as [number, number];
    const feeds: Record<string, OrtTensor> = {};
    const emitted = new Map<string, Tensor>();
    if (this.encoder) {
      const context = inputs.input_ids!;
      const encMask = mask ? this.ids(mask) : this.ones(batch, context.shape[1]!);
      feeds.encoder_hidden_states = await this.encode(this.ids(context), encMask, emitted);
      feeds.input_ids = this.ids(stream);
      if (this.manifest.inputs.includes("encoder_attention_mask")) feeds.encoder_attention_mask = encMask;
    } else {
      for (const name of this.manifest.inputs) {
        const given = inputs[name];
        if (given) feeds[name] = this.ids(given);
        else if (name === "attention_mask") feeds[name] = mask ? this.ids(mask) : this.ones(batch, length);
        else if (name === "position_ids") feeds[name] = this.positions(batch, 0, length);
        else if (name === "token_type_ids") feeds[name] = new this.ort.Tensor("int64", new BigInt64Array(batch * length), [batch, length]);
      }
    }
    Object.assign(feeds, this.emptyPast(batch));
    const out = await this.session.run(feeds);
    for (const name of this.manifest.intermediates) emitted.set(name, toTensor(out[name]!));
    return { output: toTensor(out[this.manifest.outputs[0]!]!), emitted };
  }

  /** A sequence decoded through the KV cache: each `feed` appends tokens and returns the greedy next one. */
  sequence(encoded?: { states: OrtTensor; mask: OrtTensor }): { feed(ids: number[]): Promise<number> } {
    if (this.manifest.kind === "encoder") throw new Error(`${this.manifest.arch} is exported as an encoder graph: it does not generate`);
    const wants = new Set(this.manifest.inputs);
    let past: Record<string, OrtTensor> = this.emptyPast(1);
    let done = 0;
    return {
      feed: async (ids: number[]) => {
        const feeds: Record<string, OrtTensor> = { ...past, input_ids: this.ids([ids]) };
        if (encoded) {
          feeds.encoder_hidden_states = encoded.states;
          if (wants.has("encoder_attention_mask")) feeds.encoder_attention_mask = encoded.mask;
        }
        if (wants.has("attention_mask")) feeds.attention_mask = this.ones(1, done + ids.length);
        if (wants.has("position_ids")) feeds.position_ids = this.positions(1, done, ids.length);
        const r = await this.session.run(feeds);
        done += ids.length;
        past = {};
        for (const c of this.manifest.cache) {
          past[c.pastKey] = r[c.presentKey]!;
          past[c.pastValue] = r[c.presentValue]!;
        }
        for (const st of this.manifest.state) past[st.input] = r[st.output]!;
        const logits = r[this.manifest.outputs[0]!]!;
        const v = logits.dims[2]!;
        const data = logits.data as Float32Array;
        return argmaxRow(data, data.length - v, v);
      },
    };
  }

  /** Greedy decoding of one prompt: prefill, then one token per step. */
  async generate(prompt: number[], maxNewTokens: number, onToken?: (id: number) => void, decoderStart: number[] = [0]): Promise<number[]> {
    let encoded: { states: OrtTensor; mask: OrtTensor } | undefined;
    if (this.encoder) {
      // An encoder-decoder: the prompt is the encoder's input; the decoder starts from its start token.
      const mask = this.ones(1, prompt.length);
      encoded = { states: await this.encode(this.ids([prompt]), mask), mask };
    }
    const seq = this.sequence(encoded);
    const out: number[] = [];
    let ids = this.encoder ? decoderStart : prompt;
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
