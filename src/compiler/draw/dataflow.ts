// The dataflow of a forward body, coarse enough to draw: submodule calls, ops and residual
// adds as nodes, variables as edges. The root chain is inlined down to the layer loop; the
// repeated layer is expanded one level and marked ×N, as in the survey's figures.
import type * as A from "../ast/nodes.js";
import type { ElaboratedModel, Instance } from "../elaborate/instance.js";
import { resolvedArch } from "../pipeline.js";
import { typeText } from "../check/types.js";
import type { BlockIR } from "../ir/model.js";
import type { ResolvedArch, ResolvedExpr, ResolvedStmt } from "../resolved/nodes.js";

export interface FlowNode {
  id: number;
  label: string;
  kind: "input" | "module" | "op" | "add" | "mul" | "output";
  group?: number; // index into groups when inside the repeated layer
  /** Drawn highlighted: `archc diff --html` marks the nodes one model has and the other lacks. */
  changed?: boolean;
}

export interface FlowEdge {
  from: number;
  to: number;
  label: string; // the shape on the edge
}

export interface FlowGroup {
  label: string; // "LlamaDecoderLayer × 32"
}

export interface FlowGraph {
  nodes: FlowNode[];
  edges: FlowEdge[];
  groups: FlowGroup[];
}

export function buildFlow(m: ElaboratedModel): FlowGraph {
  const resolved = resolvedArch(m.config.arch);
  const g: FlowGraph = { nodes: [], edges: [], groups: [] };
  const add = (label: string, kind: FlowNode["kind"], group?: number): number => {
    g.nodes.push({ id: g.nodes.length, label, kind, ...(group !== undefined ? { group } : {}) });
    return g.nodes.length - 1;
  };
  const root = m.root;
  if (!root.block?.forward) return g;
  const env = new Map<string, { node: number; shape: string }>();
  for (const p of root.block.forward.params) env.set(p.name, { node: add(p.name, "input"), shape: typeText({ kind: "tensor", dims: [], ids: p.type.ids }).replace("[]", `[${p.type.dims.map((d) => (d.kind === "name" ? d.name : "…")).join(", ")}]`) });
  const out = walkBlock(g, add, resolved, root, root.block, env, 0, undefined);
  if (out) {
    const o = add("output", "output");
    g.edges.push({ from: out.node, to: o, label: out.shape });
  }
  return g;
}

type Env = Map<string, { node: number; shape: string }>;

function walkBlock(
  g: FlowGraph,
  add: (label: string, kind: FlowNode["kind"], group?: number) => number,
  resolved: ResolvedArch,
  inst: Instance,
  block: BlockIR,
  env: Env,
  depth: number,
  group: number | undefined,
): { node: number; shape: string } | undefined {
  const child = (name: string) => inst.children.find((c) => c.name === name);
  const shapeOf = (e: ResolvedExpr) => {
    const t = e.type;
    return t && t.kind === "tensor" ? typeText(t) : "";
  };
  const link = (from: { node: number; shape: string } | undefined, to: number) => {
    if (from) g.edges.push({ from: from.node, to, label: from.shape });
  };

  const expr = (e: ResolvedExpr, local: Env): { node: number; shape: string } | undefined => {
    switch (e.kind) {
      case "name":
        return local.get(e.name);
      case "binary": {
        const l = expr(e.left, local);
        const r = expr(e.right, local);
        if (!l || !r) return l ?? r;
        if (e.op === "+" || e.op === "*") {
          const n = add(e.op === "+" ? "+" : "×", e.op === "+" ? "add" : "mul", group);
          link(l, n);
          link(r, n);
          return { node: n, shape: shapeOf(e) };
        }
        return l;
      }
      case "unary":
        return expr(e.operand, local);
      case "call": {
        const ins = e.args.filter((a) => !a.keyword).map((a) => expr(a.value, local)).filter((x): x is { node: number; shape: string } => !!x);
        const res = e.target;
        let label: string;
        if (res?.kind === "module") {
          const name = e.callee.kind === "name" ? e.callee.name : e.callee.kind === "index" && e.callee.target.kind === "name" ? e.callee.target.name : "module";
          const c = child(name);
          // The root chain (blocks above the layer loop) is inlined rather than boxed.
          if (c?.kind === "block" && c.block?.forward && depth === 0 && containsLoop(c.block)) {
            const sub: Env = new Map();
            c.block.forward.params.forEach((p, i) => {
              if (ins[i]) sub.set(p.name, ins[i]!);
            });
            return walkBlock(g, add, resolved, c, c.block, sub, 0, group);
          }
          label = c ? `${name}: ${c.className}` : name;
          const n = add(label, "module", group);
          ins.forEach((i) => link(i, n));
          return { node: n, shape: shapeOf(e) };
        }
        if (res?.kind === "op") {
          const n = add(res.def.name, "op", group);
          ins.forEach((i) => link(i, n));
          return { node: n, shape: shapeOf(e) };
        }
        return ins[0];
      }
      default:
        return undefined;
    }
  };

  let result: { node: number; shape: string } | undefined;
  const stmts = (ss: ResolvedStmt[], local: Env): void => {
    for (const s of ss) {
      switch (s.kind) {
        case "let":
        case "assign": {
          const v = expr(s.value, local);
          if (v && s.names.length === 1) local.set(s.names[0]!, v);
          else if (v) s.names.forEach((n) => local.set(n, v));
          break;
        }
        case "return":
          result = s.values[0] ? expr(s.values[0], local) : undefined;
          return;
        case "for": {
          const it = s.iter.type;
          const listName = s.iter.kind === "name" ? s.iter.name : "";
          const list = child(listName);
          if (it?.kind === "modlist" && list && list.children[0]?.block?.forward && group === undefined) {
            const item = list.children[0];
            const gi = g.groups.length;
            g.groups.push({ label: `${item.className} × ${list.children.length}` });
            // One iteration expanded; loop-carried variables continue from its outputs.
            const sub: Env = new Map();
            const carried = [...local.entries()];
            item.block!.forward!.params.forEach((p, i) => {
              const src = carried[i];
              if (src) sub.set(p.name, src[1]);
            });
            const inner = s.body.find((x) => (x.kind === "assign" || x.kind === "let") && x.value.kind === "call");
            const target = inner && (inner.kind === "assign" || inner.kind === "let") ? inner.names[0] : undefined;
            const argName = inner && (inner.kind === "assign" || inner.kind === "let") && inner.value.kind === "call" ? inner.value.args[0]?.value : undefined;
            const entry = argName?.kind === "name" ? local.get(argName.name) : undefined;
            const layerEnv: Env = new Map();
            if (entry) layerEnv.set(item.block!.forward!.params[0]!.name, entry);
            const out = walkBlock(g, add, resolved, item, item.block!, layerEnv, 1, gi);
            if (out && target) local.set(target, out);
          } else stmts(s.body, local);
          break;
        }
        case "if":
          stmts(s.then, local);
          break;
        default:
          break;
      }
    }
  };
  const rb = resolved.blocks.get(block.name);
  stmts((rb?.syntax === block ? rb.forward?.body : undefined) ?? [], env);
  return result;
}

function containsLoop(b: BlockIR): boolean {
  const has = (ss: A.Stmt[]): boolean => ss.some((s) => s.kind === "for" || (s.kind === "if" && (has(s.then) || has(s.else ?? []))));
  if (has(b.forward?.body ?? [])) return true;
  // A wrapper whose only job is to call a block that loops (ForCausalLM → Model) is inlined too.
  return b.submodules.some((sm) => sm.module.kind === "comprehension");
}
