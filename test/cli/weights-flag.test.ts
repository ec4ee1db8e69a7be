// `--weights` on run and verify: narrowed weights are labelled, and verify holds them to the
// tolerance measured for them (src/cli/verify.ts), never to the case's float32 tolerance.
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
