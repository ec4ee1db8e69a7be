// model.onnx + model.onnx_data: the graph in protobuf, every weight in one external data
// file (so models past protobuf's 2 GB limit export), each tensor at a 64-byte aligned offset.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { GraphBuilder } from "./graph.js";
import { encodeModel, IR_VERSION, OPSET } from "./proto.js";

export const DATA_ALIGNMENT = 64;

export interface WrittenGraph {
  /** model.onnx */
  model: string;
  /** model.onnx_data */
  data: string;
  bytes: number;
}

function layoutWeights(g: GraphBuilder): { layout: Map<string, { offset: number; length: number }>; total: number } {
  const layout = new Map<string, { offset: number; length: number }>();
  let offset = 0;
  for (const w of g.weights.values()) {
    offset = Math.ceil(offset / DATA_ALIGNMENT) * DATA_ALIGNMENT;
    layout.set(w.name, { offset, length: w.data.byteLength });
    offset += w.data.byteLength;
  }
  return { layout, total: offset };
}

/** Writes `<dir>/<stem>.onnx` and `<dir>/<stem>.onnx_data`. */
export function writeGraph(g: GraphBuilder, dir: string, stem: string, graphName: string, doc: string): WrittenGraph {
  mkdirSync(dir, { recursive: true });
  const dataFile = `${stem}.onnx_data`;
  const { layout } = layoutWeights(g);
  const model = encodeModel({
    irVersion: IR_VERSION,
    producerName: "archc",
    producerVersion: "0.1.0",
    docString: doc,
    opsetImport: [{ domain: "", version: OPSET }],
    graph: { name: graphName, node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.initializers(dataFile, layout) },
  });
  const modelPath = join(dir, `${stem}.onnx`);
  writeFileSync(modelPath, model);
  // Tensor by tensor: the data file is never held in memory whole.
  const dataPath = join(dir, dataFile);
  const fd = openSync(dataPath, "w");
  let bytes = 0;
  try {
    for (const w of g.weights.values()) {
      const at = layout.get(w.name)!;
      writeSync(fd, new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), 0, w.data.byteLength, at.offset);
      bytes = at.offset + at.length;
    }
  } finally {
    closeSync(fd);
  }
  return { model: modelPath, data: dataPath, bytes: model.byteLength + bytes };
}
