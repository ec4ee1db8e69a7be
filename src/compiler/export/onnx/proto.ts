// The ONNX protobuf schema (the onnx-proto package: protobufjs classes generated from the
// official onnx.proto) and the few constructors the graph builder needs. Nothing here
// encodes bytes by hand.
import onnxProto from "onnx-proto";

export const onnx = onnxProto.onnx;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;

/** IR version 8 (ONNX 1.13) carries opset 18, the operator set these graphs use. */
export const IR_VERSION = 8;
export const OPSET = 18;

export const DataType = onnxProto.onnx.TensorProto.DataType;
export type ElemType = "float32" | "int64" | "bool";
export const elemCode: Record<ElemType, number> = { float32: DataType.FLOAT, int64: DataType.INT64, bool: DataType.BOOL };

/** An attribute value as a lowering writes it. */
export type AttrValue = number | string | number[] | { int: number } | { ints: number[] } | { floats: number[] } | { tensor: TensorProto } | { graph: onnxProto.onnx.IGraphProto };

export function attribute(name: string, v: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === "number") return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (typeof v === "string") return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return v.every(Number.isInteger) ? { name, type: T.INTS, ints: v } : { name, type: T.FLOATS, floats: v };
  if ("int" in v) return { name, type: T.INT, i: v.int };
  if ("ints" in v) return { name, type: T.INTS, ints: v.ints };
  if ("floats" in v) return { name, type: T.FLOATS, floats: v.floats };
  if ("graph" in v) return { name, type: T.GRAPH, g: v.graph };
  return { name, type: T.TENSOR, t: v.tensor };
}

/** A tensor stored inside model.onnx (small constants). */
export function inlineTensor(name: string, elem: ElemType, dims: number[], data: Float32Array | BigInt64Array | Uint8Array): TensorProto {
  return { name, dataType: elemCode[elem], dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** A tensor whose bytes live in the external data file, at `offset`. */
export function externalTensor(name: string, dims: number[], location: string, offset: number, length: number): TensorProto {
  return {
    name,
    dataType: DataType.FLOAT,
    dims,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: "location", value: location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(length) },
    ],
  };
}

/** A graph input or output: element type and dims, symbolic ones by name (`batch_size`). */
export function valueInfo(name: string, elem: ElemType, dims: (number | string)[], doc?: string): ValueInfoProto {
  return {
    name,
    ...(doc ? { docString: doc } : {}),
    type: { tensorType: { elemType: elemCode[elem], shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
