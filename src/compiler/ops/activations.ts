// Elementwise functions: the shape is unchanged.
import { exprText } from "../ast/expr-text.js";
import { asTensor } from "./argument-checks.js";
import { noFeatures, noStats, plainDiff, type Feature, type OpDef } from "./op-def.js";

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

/** A model's activation function: it shows in the activation column. */
const activationColumn = (name: string) => (): Feature[] => [{ column: "activation", label: name }];

export const elementwiseOps: OpDef[] = [
  { ...elementwise("silu"), features: activationColumn("silu") },
  { ...elementwise("gelu"), features: activationColumn("gelu") },
  { ...elementwise("gelu_tanh"), features: activationColumn("gelu_tanh") },
  { ...elementwise("relu"), features: activationColumn("relu") },
  { ...elementwise("relu2"), features: activationColumn("relu2") },
  // Pieces of larger formulas rather than a model's activation: not labelled.
  { ...elementwise("tanh") },
  { ...elementwise("sigmoid") },
  { ...elementwise("exp") },
  { ...elementwise("sqrt") },
  { ...elementwise("square") },
  { ...elementwise("neg") },
];

export const activationOps: OpDef[] = [
  {
    name: "act",
    params: ["x", "kind"],
    doc: "act(x, kind): the activation named by a config string (silu, gelu, gelu_new, relu, …)",
    infer: (a, c) => asTensor(a.x, c, "the argument of act"),
    runtime: "act",
    features: (call) => {
      const kind = call.value("kind");
      return [{ column: "activation", label: kind !== undefined ? String(kind) : exprText(call.arg("kind") ?? call.expr) }];
    },
    stats: noStats,
    diff: plainDiff,
  },
  {
    name: "softcap",
    params: ["x", "cap"],
    doc: "softcap(x, cap) = cap * tanh(x / cap)",
    infer: (a, c) => asTensor(a.x, c, "the argument of softcap"),
    runtime: "softcap",
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
    features: noFeatures,
    stats: noStats,
    diff: plainDiff,
  },
];
