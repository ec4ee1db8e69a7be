// `--weights` on run and verify: narrowed weights are labelled, and verify holds them to the
// tolerance measured for them (src/cli/verify.ts), never to the case's float32 tolerance.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archc } from "./capture.js";
import { NARROWED_WEIGHT_TOLERANCE } from "../../src/cli/verify.js";

const llama = join(__dirname, "../../../shared/conformance/llama-tiny");

describe("--weights", () => {
  it("verify --weights int8 says so, with the int8 tolerance, and passes a conformance case", async () => {
    const r = await archc("verify", llama, "--weights", "int8", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.weights).toBe("int8");
    expect(j.tolerance).toMatch(/int8/);
    expect(j.tolerance).toContain(String(NARROWED_WEIGHT_TOLERANCE.int8.relative));
    expect(j.pass).toBe(true);
    // The tolerance is relative to the largest expected value, not the case's atol of 1e-4.
    expect(Object.values(j.tensors as Record<string, { atol: number }>).every((t) => t.atol > 1e-3)).toBe(true);
    const text = await archc("verify", llama, "--weights", "int8");
    expect(text.out).toMatch(/weights: int8; tolerance: int8 weights/);
  });

  it("verify without --weights keeps the case's float32 tolerance", async () => {
    const j = JSON.parse((await archc("verify", llama, "--json")).out);
    expect(j.weights).toBe("auto");
    expect(j.tolerance).toMatch(/float32 tolerance/);
    expect(j.pass).toBe(true);
  });

  it("run --weights int8 loads and reports the weights", async () => {
    const r = await archc("run", llama, "--ids", "1,2,3", "--weights", "int8");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/weights int8/);
  });

  it("bench --weights int8 measures the int8 model and labels the line", async () => {
    const r = await archc("bench", llama, "--json", "--threads", "1", "--prompt-len", "4", "--steps", "2", "--rounds", "1", "--weights", "int8");
    expect(r.code, r.err).toBe(0);
    const line = JSON.parse(r.out.trim()) as Record<string, unknown>;
    expect(line.weights).toBe("int8");
    expect(line.decode_tok_s as number[]).toHaveLength(1);
  }, 120_000);

  it("rejects an unknown storage as a command-line error", async () => {
    const r = await archc("run", llama, "--weights", "int4");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--weights needs one of auto, fp32, bf16, int8, found "int4"/);
  });
});

// `bench --reference`: the C reference and the bandwidth probe run in the same command.

const hasGcc = (() => {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("bench --reference", () => {
  const reference = join(__dirname, "../../scripts/bench-reference");

  it.skipIf(!hasGcc)("runs the C reference and the bandwidth probe next to the runtime and prints their ratios (needs gcc)", async () => {
    const r = await archc("bench", llama, "--json", "--threads", "1", "--prompt-len", "4", "--steps", "2", "--rounds", "1", "--reference", reference);
    expect(r.code, r.err).toBe(0);
    const line = JSON.parse(r.out.trim()) as Record<string, unknown>;
    const ref = line.reference as { decode_tok_s: number[]; decode_tok_s_median: number };
    expect(ref.decode_tok_s).toHaveLength(3);
    expect(line.decode_ratio_vs_reference).toBeCloseTo(Number(line.decode_tok_s_median) / ref.decode_tok_s_median, 2);
    // The same decoder with its weights on 4 KiB pages (C_DECODE_PAGES=small), its own rounds.
    const small = line.reference_4k_pages as { decode_tok_s: number[]; decode_tok_s_median: number };
    expect(small.decode_tok_s).toHaveLength(3);
    expect(line.decode_ratio_vs_reference_4k_pages).toBeCloseTo(Number(line.decode_tok_s_median) / small.decode_tok_s_median, 2);
    expect(line.read_bandwidth_gb_s as number[]).toHaveLength(5);
    expect(Number(line.read_bandwidth_gb_s_median)).toBeGreaterThan(0);
    expect(line.read_bandwidth_4k_pages_gb_s as number[]).toHaveLength(5);
    expect(line.decode_fraction_of_4k_pages_bound).toBeCloseTo(Number(line.decode_tok_s_median) / Number(line.decode_bandwidth_4k_pages_bound_tok_s), 2);
    // Every weight but the embedding table (tied: it is the output layer too, so read whole).
    expect(Number(line.decode_bytes_per_token)).toBeGreaterThan(0);
    expect(Number(line.decode_fraction_of_bandwidth_bound)).toBeGreaterThan(0);
  }, 120_000);

  it("names what is missing when PATH is not the reference folder", async () => {
    const r = await archc("bench", llama, "--reference", join(__dirname), "--steps", "1");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--reference .*: no c-decode\.c in/);
  });
});
