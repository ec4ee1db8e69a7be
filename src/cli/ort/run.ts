// `archc run CKPT --engine ort`: the checkpoint's exported graph on onnxruntime-node.
import type { Workspace } from "../../compiler/workspace.js";
import { IntTensor } from "../../runtime/index.js";
import type { Io } from "../io.js";
import { exportedCheckpoint } from "./cache.js";
import { OrtModel } from "./session.js";
import { decoderStartOf } from "../generation-config.js";

export async function runOrt(ws: Workspace, dir: string, ids: number[], generate: number, json: boolean, io: Io, threads?: number): Promise<number> {
  const t0 = performance.now();
  const { folder, manifest, config } = exportedCheckpoint(ws, dir);
  const start = decoderStartOf(config).decoderStart ?? [0];
  const model = await OrtModel.open(folder, manifest, threads);
  io.err(`${manifest.arch} (${manifest.root}) on onnxruntime-node, graph ${folder}, ready in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  if (generate > 0) {
    const t1 = performance.now();
    const tokens = await model.generate(ids, generate, undefined, start);
    const seconds = (performance.now() - t1) / 1000;
    if (json) io.out(JSON.stringify({ prompt: ids, tokens, seconds, engine: "ort" }));
    else io.out(tokens.join(" "));
    return 0;
  }
  const asIds = (xs: number[]) => new IntTensor(Int32Array.from(xs), [1, xs.length]);
  // An encoder-decoder reads the ids as the encoder's input; its decoder starts from the start token.
  const feed = manifest.encoder ? { input_ids: asIds(ids), [manifest.stream]: asIds(start) } : { input_ids: asIds(ids) };
  const { output } = await model.forward(feed);
  const v = output.shape[output.shape.length - 1]!;
  const last = output.data.subarray(output.data.length - v);
  const top = Array.from(last, (x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
  if (json) io.out(JSON.stringify({ shape: output.shape, top: top.map(([x, i]) => ({ id: i, logit: x })), engine: "ort" }));
  else io.out(`output [${output.shape.join(", ")}]; top tokens at the last position: ${top.map(([x, i]) => `${i} (${x.toFixed(4)})`).join(", ")}`);
  return 0;
}
