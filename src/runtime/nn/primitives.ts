// Runtime halves of the language's primitive modules: each binds its parameters by
// PyTorch name (with the shape the .arch declares) and applies itself to a tensor.
import * as ops from "../ops/index.js";
import { Tensor, IntTensor } from "../tensor.js";
import { RuntimeArgumentError } from "../errors.js";
import type { WeightBinder } from "../model/binder.js";

export interface LinearM { kind: "Linear"; weight: Tensor; bias?: Tensor }
export interface Conv1DM { kind: "Conv1D"; weight: Tensor; bias?: Tensor }
export interface EmbeddingM { kind: "Embedding"; weight: Tensor }
export interface LayerNormM { kind: "LayerNorm"; weight?: Tensor; bias?: Tensor; eps: number }
export interface RMSNormM { kind: "RMSNorm"; weight?: Tensor; eps: number; offset: number }
export interface GroupNormM { kind: "GroupNorm"; weight: Tensor; bias: Tensor; groups: number; eps: number }
export interface ActivationM { kind: "Activation"; name: string }
export interface DropoutM { kind: "Dropout" }
export interface Conv2dM { kind: "Conv2d"; weight: Tensor; bias?: Tensor; kernel: number[] }
/** torch.nn.Conv1d over time; `groups` = channels makes it depthwise (Mamba). */
export interface Conv1dM { kind: "Conv1d"; weight: Tensor; bias?: Tensor; kernel: number; groups: number }

/** `path` keys its recurrent state in the forward context. */
export interface LSTMM { kind: "LSTM"; path: string; layers: ops.LstmLayer[] }

export type PrimitiveModule = LinearM | Conv1DM | EmbeddingM | LayerNormM | RMSNormM | GroupNormM | ActivationM | DropoutM | Conv2dM | Conv1dM | LSTMM;

const opt = <T>(v: T | undefined): { bias?: T } => (v === undefined ? {} : { bias: v });

export function Linear(w: WeightBinder, path: string, inF: number, outF: number, bias = true): LinearM {
  return { kind: "Linear", weight: w.param(`${path}.weight`, [outF, inF]), ...opt(bias ? w.param(`${path}.bias`, [outF]) : undefined) };
}

export function Conv1D(w: WeightBinder, path: string, inF: number, outF: number, bias = true): Conv1DM {
  return { kind: "Conv1D", weight: w.param(`${path}.weight`, [inF, outF]), ...opt(bias ? w.param(`${path}.bias`, [outF]) : undefined) };
}

export function Embedding(w: WeightBinder, path: string, num: number, dim: number, _paddingIdx: number | null = null): EmbeddingM {
  return { kind: "Embedding", weight: w.param(`${path}.weight`, [num, dim]) };
}

export function LayerNorm(w: WeightBinder, path: string, dim: number, eps = 1e-5, affine = true, bias = true): LayerNormM {
  const m: LayerNormM = { kind: "LayerNorm", eps };
  if (affine) {
    m.weight = w.param(`${path}.weight`, [dim]);
    if (bias) m.bias = w.param(`${path}.bias`, [dim]);
  }
  return m;
}

export function RMSNorm(w: WeightBinder, path: string, dim: number, eps = 1e-6, offset = 0, affine = true): RMSNormM {
  return { kind: "RMSNorm", eps, offset, ...(affine ? { weight: w.param(`${path}.weight`, [dim]) } : {}) };
}

export function GroupNorm(w: WeightBinder, path: string, groups: number, dim: number, eps = 1e-5): GroupNormM {
  return { kind: "GroupNorm", groups, eps, weight: w.param(`${path}.weight`, [dim]), bias: w.param(`${path}.bias`, [dim]) };
}

export function Activation(_w: WeightBinder, _path: string, name: string): ActivationM {
  return { kind: "Activation", name };
}

export function Dropout(_w: WeightBinder, _path: string, _p = 0.1): DropoutM {
  return { kind: "Dropout" };
}

export function Conv2d(w: WeightBinder, path: string, inC: number, outC: number, kernel: number[], _stride: number[] = [1, 1], bias = true, _padding: number[] = [0, 0]): Conv2dM {
  return { kind: "Conv2d", kernel, weight: w.param(`${path}.weight`, [outC, inC, ...kernel]), ...opt(bias ? w.param(`${path}.bias`, [outC]) : undefined) };
}

export function Conv1d(w: WeightBinder, path: string, inC: number, outC: number, kernel: number, _stride = 1, _padding = 0, groups = 1, bias = true): Conv1dM {
  return { kind: "Conv1d", kernel, groups, weight: w.param(`${path}.weight`, [outC, inC / groups, kernel]), ...opt(bias ? w.param(`${path}.bias`, [outC]) : undefined) };
}

export function LSTM(w: WeightBinder, path: string, inF: number, hidden: number, numLayers = 1, bias = true, _batchFirst = false, _dropout = 0): LSTMM {
  const layers = Array.from({ length: numLayers }, (_, k): ops.LstmLayer => ({
    weightIh: w.param(`${path}.weight_ih_l${k}`, [4 * hidden, k === 0 ? inF : hidden]),
    weightHh: w.param(`${path}.weight_hh_l${k}`, [4 * hidden, hidden]),
    ...(bias ? { biasIh: w.param(`${path}.bias_ih_l${k}`, [4 * hidden]), biasHh: w.param(`${path}.bias_hh_l${k}`, [4 * hidden]) } : {}),
  }));
  return { kind: "LSTM", path, layers };
}

export function Param(w: WeightBinder, path: string, shape: number[]): Tensor {
  return w.param(path, shape);
}

export function Buffer(w: WeightBinder, path: string, _shape: number[]): undefined {
  w.buffer(path);
  return undefined;
}

/** Applies a primitive module. Embedding takes token ids; everything else a float tensor. */
export function call(m: PrimitiveModule, x: Tensor | IntTensor): Tensor {
  if (m.kind === "Embedding") {
    if (!(x instanceof IntTensor)) throw new RuntimeArgumentError("Embedding", "expects token ids");
    return ops.embedding(x, m.weight);
  }
  if (!(x instanceof Tensor)) throw new RuntimeArgumentError(m.kind, "expects a float tensor, not token ids");
  switch (m.kind) {
    case "Linear":
      return ops.linear(x, m.weight, m.bias);
    case "Conv1D":
      return ops.linearInOut(x, m.weight, m.bias);
    case "LayerNorm":
      return ops.layerNorm(x, m.weight, m.bias, m.eps);
    case "RMSNorm":
      return ops.rmsNorm(x, m.weight, m.eps, m.offset);
    case "GroupNorm":
      return ops.groupNorm(x, m.groups, m.weight, m.bias, m.eps);
    case "Activation":
      return ops.activation(m.name, x);
    case "Dropout":
      return x;
    case "Conv1d":
    case "Conv2d":
      throw new RuntimeArgumentError(m.kind, "is applied through the causal_conv op");
    case "LSTM":
      // From the zero state; rt.lang.apply resumes a decoding state instead.
      return ops.lstm(x, m.layers).out;
  }
}
