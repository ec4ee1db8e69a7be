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

export const elementwiseLowerings: Record<string, OpLowering> = {
  silu: one(silu),
  gelu: one(gelu),
  gelu_tanh: one(geluTanh),
  relu: one((c, x) => unary(c, "Relu", x)),
  relu2: one(relu2),
  tanh: one((c, x) => unary(c, "Tanh", x)),
  sigmoid: one((c, x) => unary(c, "Sigmoid", x)),
  exp: one((c, x) => unary(c, "Exp", x)),
  sqrt: one((c, x) => unary(c, "Sqrt", x)),
  square: one((c, x) => binary(c, "Mul", x, x)),
  neg: one((c, x) => unary(c, "Neg", x)),
  act: (c, a) => activation(c, String(a.kind), x0(a)),
  softcap: (c, a) => {
    const cap = Number(a.cap);
    return withScalar(c, "Mul", unary(c, "Tanh", withScalar(c, "Div", x0(a), cap)), cap);
  },
  softmax: (c, a) => unary(c, "Softmax", x0(a), { axis: typeof a.axis === "number" ? a.axis : -1 }),
  log_softmax: (c, a) => unary(c, "LogSoftmax", x0(a), { axis: typeof a.axis === "number" ? a.axis : -1 }),
  clamp: (c, a) => {
    const x = x0(a);
    // torch.clamp rounds Python-number bounds to float32; a null bound is no bound ("").
    const bound = (v: Lowered) => (typeof v === "number" ? c.g.f32(v) : "");
    return c.tensor(c.g.op("Clip", [x.name, bound(a.lo), bound(a.hi)]), x.elem, x.dims);
  },
};
