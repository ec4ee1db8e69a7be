// ONNX lowerings of the elementwise ops and activations (opset 18: GELU is spelled out with
// Erf / Tanh, as PyTorch defines it).
import type { LoweringContext, OpLowering, TensorVal } from "../lowering.js";
import { binary, unary, withScalar } from "../tensors.js";
import type { Lowered } from "../lowering.js";

const x0 = (a: Record<string, Lowered>) => a.x as TensorVal;

export function silu(c: LoweringContext, x: TensorVal): TensorVal {
  return binary(c, "Mul", x, unary(c, "Sigmoid", x));
}

/** x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export function gelu(c: LoweringContext, x: TensorVal): TensorVal {
  const erf = unary(c, "Erf", withScalar(c, "Mul", x, Math.SQRT1_2));
  return binary(c, "Mul", withScalar(c, "Mul", x, 0.5), withScalar(c, "Add", erf, 1));
}

/** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluTanh(c: LoweringContext, x: TensorVal): TensorVal {
  const cube = binary(c, "Mul", binary(c, "Mul", x, x), x);
  const inner = withScalar(c, "Mul", binary(c, "Add", x, withScalar(c, "Mul", cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return binary(c, "Mul", withScalar(c, "Mul", x, 0.5), withScalar(c, "Add", unary(c, "Tanh", inner), 1));
}

export function relu2(c: LoweringContext, x: TensorVal): TensorVal {
  const r = unary(c, "Relu", x);
  return binary(c, "Mul", r, r);
}

/** Activations by their Hugging Face `hidden_act` names (the runtime's table, ops/elementwise.ts). */
export const activationLowerings: Record<string, (c: LoweringContext, x: TensorVal) => TensorVal> = {
  silu,
  swish: silu,
  gelu,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  gelu_tanh: geluTanh,
  relu: (c, x) => unary(c, "Relu", x),
  relu2,
  tanh: (c, x) => unary(c, "Tanh", x),
  sigmoid: (c, x) => unary(c, "Sigmoid", x),
  identity: (_c, x) => x,
};

export function activation(c: LoweringContext, kind: string, x: TensorVal): TensorVal {
  const f = Object.hasOwn(activationLowerings, kind) ? activationLowerings[kind] : undefined;
  if (!f) return c.unsupported(`activation ${JSON.stringify(kind)}`);
  return f(c, x);
}

const one = (f: (c: LoweringContext, x: TensorVal) => TensorVal): OpLowering => (c, a) => f(c, x0(a));

/** ONNX lowering of `silu`. */
export const siluOnnx: OpLowering = one(silu);

/** ONNX lowering of `gelu`. */
export const geluOnnx: OpLowering = one(gelu);

/** ONNX lowering of `gelu_tanh`. */
export const geluTanhOnnx: OpLowering = one(geluTanh);

/** ONNX lowering of `relu`. */
export const reluOnnx: OpLowering = one((c, x) => unary(c, "Relu", x));

/** ONNX lowering of `relu2`. */
export const relu2Onnx: OpLowering = one(relu2);

/** ONNX lowering of `tanh`. */
export const tanhOnnx: OpLowering = one((c, x) => unary(c, "Tanh", x));

/** ONNX lowering of `sigmoid`. */
export const sigmoidOnnx: OpLowering = one((c, x) => unary(c, "Sigmoid", x));

/** ONNX lowering of `exp`. */
export const expOnnx: OpLowering = one((c, x) => unary(c, "Exp", x));

/** ONNX lowering of `sqrt`. */
export const sqrtOnnx: OpLowering = one((c, x) => unary(c, "Sqrt", x));

/** ONNX lowering of `square`. */
export const squareOnnx: OpLowering = one((c, x) => binary(c, "Mul", x, x));

/** ONNX lowering of `neg`. */
export const negOnnx: OpLowering = one((c, x) => unary(c, "Neg", x));

/** ONNX lowering of `softplus`: log(1 + e^x), x itself above 20 (PyTorch's threshold, where e^x would overflow). */
export const softplusOnnx: OpLowering = one((c, x) => {
  const above = c.g.op("Greater", [x.name, c.g.f32(20)]);
  return c.tensor(c.g.op("Where", [above, x.name, unary(c, "Softplus", x).name]), x.elem, x.dims);
});

/** ONNX lowering of `log`. */
export const logOnnx: OpLowering = one((c, x) => unary(c, "Log", x));

/** ONNX lowering of `abs`. */
export const absOnnx: OpLowering = one((c, x) => unary(c, "Abs", x));

/** ONNX lowering of `rsqrt`. */
export const rsqrtOnnx: OpLowering = one((c, x) => unary(c, "Reciprocal", unary(c, "Sqrt", x)));

/** ONNX lowering of `act`. */
export const actOnnx: OpLowering = (c, a) => activation(c, String(a.kind), x0(a));

/** ONNX lowering of `softcap`. */
export const softcapOnnx: OpLowering = (c, a) => {
  const cap = Number(a.cap);
  return withScalar(c, "Mul", unary(c, "Tanh", withScalar(c, "Div", x0(a), cap)), cap);
};

/** ONNX lowering of `softmax`. */
export const softmaxOnnx: OpLowering = (c, a) => unary(c, "Softmax", x0(a), { axis: typeof a.axis === "number" ? a.axis : -1 });

/** ONNX lowering of `log_softmax`. */
export const logSoftmaxOnnx: OpLowering = (c, a) => unary(c, "LogSoftmax", x0(a), { axis: typeof a.axis === "number" ? a.axis : -1 });

/** ONNX lowering of `clamp`. */
export const clampOnnx: OpLowering = (c, a) => {
  const x = x0(a);
  // torch.clamp rounds Python-number bounds to float32; a null bound is no bound ("").
  const bound = (v: Lowered) => (typeof v === "number" ? c.g.f32(v) : "");
  return c.tensor(c.g.op("Clip", [x.name, bound(a.lo), bound(a.hi)]), x.elem, x.dims);
};
