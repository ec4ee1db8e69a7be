// The zoo table agrees with each model's stats and lists every family; the diagram shows
// the layer loop with its multiplicity and residual paths.
import { describe, expect, it } from "vitest";
import { loadWorkspace, findPreset } from "../../src/compiler/workspace.js";
import { checkWorkspace, modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { tableRows, flagshipPreset, tableMarkdown } from "../../src/cli/commands/table.js";
import { buildFlow } from "../../src/compiler/draw/dataflow.js";
import { renderSvg } from "../../src/compiler/draw/svg.js";

const ws = loadWorkspace([]);
const bad = new Set(checkWorkspace(ws).filter((d) => d.severity === "error").map((d) => d.span?.file));
const archs = [...ws.archs.values()].filter((a) => !bad.has(a.file));

describe("archc table", () => {
  const rows = tableRows(archs);

  it("lists every family of the zoo once", () => {
    expect(rows.map((r) => r.model).sort()).toEqual(archs.map((a) => a.name).sort());
    expect(tableMarkdown(rows).split("\n")).toHaveLength(rows.length + 2);
  });

  it("agrees with each model's stats", () => {
    for (const r of rows) {
      const arch = ws.archs.get(r.model)!;
      expect(r.params, r.model).toBe(computeStats(modelFor(arch, flagshipPreset(arch))).params);
    }
  });

  it("describes Llama-2-7b as the survey does", () => {
    const llama = rows.find((r) => r.model === "Llama")!;
    expect(llama).toMatchObject({ attention: "MHA(32)", mask: "causal", positions: "RoPE(rotate_half)", norm: "RMSNorm", activation: "silu", moe: "dense", context: "4096", vocab: "32000" });
  });
});

describe("archc draw", () => {
  it("expands one decoder layer, marks it ×N and draws both residual paths", () => {
    const ref = findPreset(ws, "Llama-2-7b-hf")!;
    const flow = buildFlow(modelFor(ref.arch, ref.preset));
    expect(flow.groups.map((g) => g.label)).toEqual(["LlamaDecoderLayer × 32"]);
    const labels = flow.nodes.map((n) => n.label);
    expect(labels[0]).toBe("input_ids");
    expect(labels).toContain("self_attn: LlamaAttention");
    expect(labels).toContain("lm_head: Linear");
    const adds = flow.nodes.filter((n) => n.kind === "add");
    expect(adds).toHaveLength(2);
    // Each residual add has an input that skips ahead (not from the node just before it).
    for (const a of adds) expect(flow.edges.some((e) => e.to === a.id && e.from !== a.id - 1)).toBe(true);
    const svg = renderSvg(flow, "Llama-2-7b-hf");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("[B, T, d]");
  });
});
