// `archc export MODEL --onnx`: one resolved configuration of an architecture, with its
// weights, as an ONNX graph (or two, for encoder-decoder models) plus a manifest that says
// which graph is which and how its inputs and outputs are named.
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkedArch, resolvedArch } from "../../pipeline.js";
import type { CallExpr, ResolvedArch } from "../../resolved/nodes.js";
import { callsIn } from "../../resolved/walk.js";
import { tokenStreams } from "../../codegen/token-stream.js";
import { elaborate, type ElaboratedModel } from "../../elaborate/instance.js";
import { error } from "../../diagnostics/diagnostic.js";
import type { ArchIR } from "../../ir/model.js";
import type { ResolvedConfig } from "../../eval/config.js";
import type { WeightSource } from "../../../runtime/index.js";
import { GraphBuilder } from "./graph.js";
import { ExportError, ForwardLowering } from "./forward.js";
import { BATCH, OptimumIO, SEQUENCE, type CacheSite, type GraphKind, type StateEntry } from "./io.js";
import type { TensorVal } from "./lowering.js";
import { writeGraph } from "./write.js";
import { cacheCrossAttention } from "./cross-cache.js";
import { OPSET } from "./proto.js";
import { shapeDim } from "./tensors.js";

export interface OnnxExportOptions {
  /** Also output what the model emits (hidden_states.i, router_logits.i): for verification. */
  intermediates?: boolean;
}

/** What `OUT/archc-onnx.json` records: enough for a runner to drive the graph. */
export interface OnnxManifest {
  format: "archc-onnx";
  version: 1;
  arch: string;
  root: string;
  kind: GraphKind;
  opset: number;
  /** The root's input a generation extends (the decoder's `input_ids` of an encoder-decoder is its `decoder_input_ids`). */
  stream: string;
  model: string;
  inputs: string[];
  outputs: string[];
  /** Decoder graphs: one entry per past_key_values.{i}. */
  cache: CacheSite[];
  /** Recurrent graphs: every past_state.{i}.NAME input, with its present_state output and start value. */
  state: StateEntry[];
  intermediates: string[];
  /** Encoder-decoder models: the encoder graph, run once per input sequence. */
  encoder?: { model: string; inputs: string[]; outputs: string[]; intermediates: string[] };
}

export interface BuiltGraph {
  /** The model's graph; for an encoder-decoder, the decoder's. */
  graph: GraphBuilder;
  encoder?: GraphBuilder;
  manifest: OnnxManifest;
}

/** Decoder or encoder: whether some op call keeps state across calls (a KV cache, recurrent state). */
export function graphKind(resolved: ResolvedArch): GraphKind {
  // A stateful call caches unless it says `cache = false`.
  const caches = (c: CallExpr): boolean => {
    if (c.target?.kind !== "op" || !c.target.def.stateful) return false;
    const cache = c.target.args.get("cache");
    return !(cache?.kind === "written" && cache.keyword && cache.expr.kind === "bool" && cache.expr.value === false);
  };
  for (const b of resolved.blocks.values()) if (callsIn(b.forward?.body ?? []).some(caches)) return "decoder";
  return "encoder";
}

/** Optimum's order of cache inputs and outputs: by layer, a layer's decoder cache before its encoder cache. */
function cacheOrder(name: string): number {
  const m = /^(?:past_key_values|present)\.(\d+)\.(?:(decoder|encoder)\.)?/.exec(name);
  return m ? Number(m[1]) * 2 + (m[2] === "encoder" ? 1 : 0) : -1;
}

export function buildOnnxGraph(config: ResolvedConfig, root: string, source: WeightSource, opts: OnnxExportOptions = {}): BuiltGraph {
  const arch = config.arch;
  const { diagnostics } = checkedArch(arch);
  const resolved = resolvedArch(arch);
  const errs = diagnostics.filter((d) => d.severity === "error");
  if (errs.length) throw new ExportError(errs[0]!);
  const model: ElaboratedModel = elaborate(config, root);
  const rootBlock = arch.blocks.get(root);
  const f = rootBlock?.forward;
  if (!rootBlock || !f) throw new ExportError(error("E0402", rootBlock?.nameSpan ?? arch.span, `root block \`${root}\` has no forward`));
  const streams = tokenStreams(rootBlock);
  const kind = graphKind(resolved);
  const seq2seq = streams.context.length > 0;
  const g = new GraphBuilder();
  g.reserve("logits", "last_hidden_state");
  const enc = seq2seq ? new GraphBuilder() : undefined;
  enc?.reserve("last_hidden_state");
  const ties = new Map(model.ties.map((t) => [t.target, t.source]));
  // Weights go to the graph being built when they are first read (both, for shared ones).
  let building = g;
  const weight = (name: string, dims: number[]): string => {
    const key = ties.get(name) ?? name;
    return building.weight(key, dims, () => {
      const t = source.get(key) ?? source.make?.(key, dims);
      if (!t || t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) {
        throw new ExportError(error("E0501", undefined, `${source.label}: ${t ? `tensor ${key} has shape [${t.shape.join(", ")}], expected [${dims.join(", ")}]` : `missing tensor ${key} (expected shape [${dims.join(", ")}])`}`));
      }
      return t.data;
    });
  };
  // Inputs: the root's token-id inputs in order ([batch_size, sequence_length], int64). An
  // encoder-decoder's context inputs belong to the encoder graph, its stream (the decoder's
  // tokens) to the decoder graph as `input_ids`.
  const inputs: (TensorVal | undefined)[] = [];
  let first: TensorVal | undefined;
  let encFirst: TensorVal | undefined;
  for (const p of f.params) {
    if (!p.type.ids) throw new ExportError(error("E0652", p.span, `root input \`${p.name}\` is not a token-id tensor: only token inputs can be exported to ONNX yet`));
    const inEncoder = enc && streams.context.includes(p.name);
    const target = inEncoder ? enc : g;
    const name = target.input(seq2seq && p.name === streams.stream ? "input_ids" : p.name, "int64", [BATCH, inEncoder ? "encoder_sequence_length" : SEQUENCE]);
    // Every token input of a graph shares its first one's [batch_size, sequence_length].
    const shared = inEncoder ? encFirst : first;
    const t: TensorVal = { kind: "tensor", name, elem: "int64", dims: shared?.dims ?? [shapeDim(name, 0, BATCH), shapeDim(name, 1, SEQUENCE)] };
    if (inEncoder) encFirst ??= t;
    else first ??= t;
    inputs.push(t);
  }
  if (!first) throw new ExportError(error("E0652", f.span, `\`${root}\` has no token input to stream`));
  const io = new OptimumIO(g, kind, first, seq2seq);
  const encIo = enc && encFirst ? new OptimumIO(enc, "encoder", encFirst) : undefined;
  const lowering = new ForwardLowering({
    arch,
    resolved,
    config: config.values,
    g,
    io,
    weight,
    ...(enc && encIo
      ? {
          encoder: {
            g: enc,
            io: encIo,
            enter: () => (building = enc),
            leave: () => (building = g),
          },
        }
      : {}),
  });
  const out = lowering.callBlock(model.root, inputs);
  const result = Array.isArray(out) ? out[0] : out;
  if (!result || typeof result !== "object" || (result as TensorVal).kind !== "tensor") {
    throw new ExportError(error("E0403", f.span, `the forward of \`${root}\` does not return a tensor`));
  }
  const logits = result as TensorVal;
  // An encoder-decoder's cross-attention keys and values: computed on the first step, then cached.
  const crossCache = cacheCrossAttention(
    g,
    io.crossSites.map((s) => ({ ...s, k: g.resolve(s.k), v: g.resolve(s.v) })),
  );
  // A KV-cache decoder has Optimum's fixed signature: input_ids, attention_mask, position_ids,
  // past_key_values.*, even where the model reads no mask or positions.
  const graphKindFound: GraphKind = io.cacheSites.length ? "decoder" : io.states.length ? "recurrent" : "encoder";
  if (graphKindFound === "decoder" && !seq2seq) {
    io.attentionMask();
    io.positionIds();
  }
  const order = (n: string) => (n === "input_ids" ? 0 : n.endsWith("attention_mask") ? 1 : n === "encoder_hidden_states" ? 2 : n === "position_ids" ? 2 : n.startsWith("past_") ? 3 : 0);
  g.inputs.sort((x, y) => order(x.name!) - order(y.name!) || cacheOrder(x.name!) - cacheOrder(y.name!));
  const outName = f.result && f.result.dims.length === 3 ? "logits" : "last_hidden_state";
  const outDims = logits.dims.map((d, i) => (typeof d === "number" ? d : i === 0 ? BATCH : i === 1 ? SEQUENCE : `${outName}_dim_${i}`));
  // The main output comes first, as Optimum orders them.
  const presents = g.outputs.splice(0).sort((x, y) => cacheOrder(x.name!) - cacheOrder(y.name!));
  g.output(outName, logits.name, "float32", outDims);
  g.outputs.push(...presents);
  const intermediates: string[] = [];
  const encIntermediates: string[] = [];
  if (opts.intermediates) {
    for (const [name, e] of lowering.emitted) {
      const target = e.graph;
      target.output(name, e.value.name, "float32", e.value.dims.map((d, i) => (typeof d === "number" ? d : `${name}_dim_${i}`)));
      (target === g ? intermediates : encIntermediates).push(name);
    }
  }
  const manifest: OnnxManifest = {
    format: "archc-onnx",
    version: 1,
    arch: arch.name,
    root,
    kind: graphKindFound,
    opset: OPSET,
    stream: streams.stream ?? "input_ids",
    model: seq2seq ? "decoder_model.onnx" : "model.onnx",
    inputs: g.inputs.map((i) => i.name!),
    outputs: g.outputs.map((o) => o.name!),
    cache: [...io.cacheSites, ...crossCache],
    state: io.states,
    intermediates,
    ...(enc
      ? { encoder: { model: "encoder_model.onnx", inputs: enc.inputs.map((i) => i.name!), outputs: enc.outputs.map((o) => o.name!), intermediates: encIntermediates } }
      : {}),
  };
  return { graph: g, ...(enc ? { encoder: enc } : {}), manifest };
}

/** Writes OUT/model.onnx, OUT/model.onnx_data and OUT/archc-onnx.json (+ the checkpoint's config files). */
export function writeOnnxExport(built: BuiltGraph, out: string, checkpointDir?: string): { files: string[]; bytes: number } {
  const { arch, root, kind } = built.manifest;
  const doc = `${arch} (${root}), exported by archc as a ${kind} graph with Optimum's input/output names`;
  const files: string[] = [];
  let bytes = 0;
  if (built.encoder) {
    const e = writeGraph(built.encoder, out, "encoder_model", `${arch}.${root}.encoder`, `${doc}: the encoder, run once per input sequence`);
    files.push(e.model, e.data);
    bytes += e.bytes;
  }
  const w = writeGraph(built.graph, out, built.manifest.model.replace(/\.onnx$/, ""), `${arch}.${root}`, built.encoder ? `${doc}: the decoder, one graph for the first and every later step` : doc);
  bytes += w.bytes;
  const manifestPath = join(out, "archc-onnx.json");
  writeFileSync(manifestPath, JSON.stringify(built.manifest, null, 2) + "\n");
  files.push(w.model, w.data, manifestPath);
  for (const f of ["config.json", "generation_config.json"]) {
    if (checkpointDir && existsSync(join(checkpointDir, f))) {
      copyFileSync(join(checkpointDir, f), join(out, f));
      files.push(join(out, f));
    }
  }
  return { files, bytes };
}
