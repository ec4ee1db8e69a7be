// Elementwise functions: the shape is unchanged.
import { inlineUnary, orDefault } from "../export/torch/lowering.js";
import { exprText } from "../ast/expr-text.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type Feature, type OpDef } from "./op-def.js";
import { absOnnx, actOnnx, logOnnx, rsqrtOnnx, softplusOnnx, clampOnnx, expOnnx, geluOnnx, geluTanhOnnx, logSoftmaxOnnx, negOnnx, relu2Onnx, reluOnnx, sigmoidOnnx, siluOnnx, softcapOnnx, softmaxOnnx, sqrtOnnx, squareOnnx, tanhOnnx } from "../export/onnx/lowerings/elementwise.js";

/** The shared part of an elementwise function of one tensor; each op below is its own literal. */
const elementwise = (name: string): OpDef => ({
  name,
  params: ["x"],
  doc: `${name}(x): elementwise; the shape is unchanged`,
  infer: (a, c) => asTensor(a.x, c, `the argument of ${name}`),
  runtime: name,
  features: noFeatures,
  stats: noStats,
  diff: plainDiff,
});

/** A nonlinearity, as the diff reads a layer: what makes an MLP, or a gate. */
const nonlinearity = { anchor: false, role: "activation" } as const;

/** A model's activation function: it shows in the activation column. */
const activationColumn = (name: string) => (): Feature[] => [{ column: "activation", label: name }];

export const elementwiseOps: OpDef[] = [
  { ...elementwise("silu"), features: activationColumn("silu"), diff: nonlinearity, torch: inlineUnary((x) => `F.silu(${x})`), onnx: siluOnnx },
  { ...elementwise("gelu"), features: activationColumn("gelu"), diff: nonlinearity, torch: inlineUnary((x) => `F.gelu(${x})`), onnx: geluOnnx },
  { ...elementwise("gelu_tanh"), features: activationColumn("gelu_tanh"), diff: nonlinearity, torch: inlineUnary((x) => `F.gelu(${x}, approximate="tanh")`), onnx: geluTanhOnnx },
  { ...elementwise("relu"), features: activationColumn("relu"), diff: nonlinearity, torch: inlineUnary((x) => `F.relu(${x})`), onnx: reluOnnx },
  { ...elementwise("relu2"), features: activationColumn("relu2"), diff: nonlinearity, torch: inlineUnary((x) => `torch.square(F.relu(${x}))`), onnx: relu2Onnx },
  // Pieces of larger formulas rather than a model's activation: not labelled.
  { ...elementwise("tanh"), diff: nonlinearity, torch: inlineUnary((x) => `torch.tanh(${x})`), onnx: tanhOnnx },
  { ...elementwise("sigmoid"), diff: nonlinearity, torch: inlineUnary((x) => `torch.sigmoid(${x})`), onnx: sigmoidOnnx },
  { ...elementwise("exp"), torch: inlineUnary((x) => `torch.exp(${x})`), onnx: expOnnx },
  { ...elementwise("sqrt"), torch: inlineUnary((x) => `torch.sqrt(${x})`), onnx: sqrtOnnx },
  { ...elementwise("square"), torch: inlineUnary((x) => `torch.square(${x})`), onnx: squareOnnx },
  { ...elementwise("neg"), torch: inlineUnary((x) => `torch.neg(${x})`), onnx: negOnnx },
  // log(1 + e^x) (x itself above 20, as PyTorch): Mamba's time step.
  { ...elementwise("softplus"), torch: inlineUnary((x) => `F.softplus(${x})`), onnx: softplusOnnx },
  { ...elementwise("log"), torch: inlineUnary((x) => `torch.log(${x})`), onnx: logOnnx },
  { ...elementwise("abs"), torch: inlineUnary((x) => `torch.abs(${x})`), onnx: absOnnx },
  { ...elementwise("rsqrt"), torch: inlineUnary((x) => `torch.rsqrt(${x})`), onnx: rsqrtOnnx },
];

export const activationOps: OpDef[] = [
  {
    name: "act",
    params: ["x", "kind"],
    doc: "act(x, kind): the activation named by a config string (silu, gelu, gelu_new, relu, …)",
    infer: (a, c) => asTensor(a.x, c, "the argument of act"),
    runtime: "act",
    torch: {
      helper: `
def act(x, kind):
    """The activation a config string names (Hugging Face's hidden_act)."""
    return layers.activation(kind)(x)
`,
    },
    onnx: actOnnx,
    features: (call) => {
      const kind = call.value("kind");
      return [{ column: "activation", label: kind !== undefined ? String(kind) : exprText(call.arg("kind") ?? call.expr) }];
    },
    stats: noStats,
    diff: nonlinearity,
  },
  {
    name: "softcap",
    params: ["x", "cap"],
    doc: "softcap(x, cap) = cap * tanh(x / cap)",
    infer: (a, c) => asTensor(a.x, c, "the argument of softcap"),
    runtime: "softcap",
    torch: { inline: (a) => `${a.cap} * torch.tanh(${a.x} / ${a.cap})` },
    onnx: softcapOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "softmax",
    params: ["x", "axis?"],
    doc: "softmax(x, axis = -1)",
    infer: (a, c) => asTensor(a.x, c, "the argument of softmax"),
    runtime: "softmax",
    torch: { inline: (a) => `torch.softmax(${a.x}, dim=${orDefault(a.axis, "-1")})` },
    onnx: softmaxOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "log_softmax",
    params: ["x", "axis?"],
    doc: "log_softmax(x, axis = -1): log-probabilities (language-model heads that return them)",
    infer: (a, c) => asTensor(a.x, c, "the argument of log_softmax"),
    runtime: "log_softmax",
    torch: { inline: (a) => `torch.log_softmax(${a.x}, dim=${orDefault(a.axis, "-1")})` },
    onnx: logSoftmaxOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "clamp",
    params: ["x", "lo", "hi"],
    doc: "clamp(x, lo, hi): each element limited to [lo, hi] (torch.clamp); a null bound is no bound",
    infer: (a, c) => asTensor(a.x, c, "the argument of clamp"),
    runtime: "clamp",
    torch: { inline: (a) => `torch.clamp(${a.x}, ${a.lo}, ${a.hi})` },
    onnx: clampOnnx,
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
