// The static report, opened from disk in a real browser (Debian's Chromium driven by
// playwright-core): the zoo table, a model page and a diff of two chosen models.
// Screenshots are kept in test-artifacts/ for a person to look at.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import { checkWorkspace } from "../../src/compiler/pipeline.js";
import { buildReport } from "../../src/cli/report/site.js";

const executablePath = "/usr/bin/chromium";
const haveBrowser = existsSync(executablePath);
if (!haveBrowser && process.env.CI) throw new Error(`${executablePath} is missing: CI must install it (npm test's pretest does)`);

const artifacts = resolve(__dirname, "../../test-artifacts");
const site = join(artifacts, "report");

describe.runIf(haveBrowser)("report in a browser", () => {
  let browser: Browser;
  let models: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    const ws = loadWorkspace([]);
    // Only architectures that check cleanly go into the report under test.
    const bad = new Set(checkWorkspace(ws).filter((d) => d.severity === "error").map((d) => d.span?.file));
    const files = new Set([...ws.archs.values()].map((a) => a.file).filter((f) => !bad.has(f)));
    buildReport(ws, site, files);
    models = [...ws.archs.values()].filter((a) => files.has(a.file)).map((a) => a.name).sort();
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("shows the zoo table and opens a model page from it", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(site, "index.html")).href);
    const rows = await page.locator("table.zoo tbody tr").count();
    expect(rows).toBe(models.length);
    await page.screenshot({ path: join(artifacts, "report-index.png"), fullPage: true });
    await page.locator("table.zoo a", { hasText: "Llama" }).first().click();
    await expect.poll(() => page.url()).toMatch(/models\/llama\.html$/);
    expect(await page.locator("h1").textContent()).toContain("Llama");
    expect(await page.locator(".diagram svg").count()).toBe(1);
    expect(await page.locator("pre.tree").textContent()).toContain("(self_attn): LlamaAttention(");
    expect(await page.locator("pre.source .k").first().textContent()).toBe("arch");
    await page.screenshot({ path: join(artifacts, "report-model.png"), fullPage: true });
    await page.close();
  });

  it("compares two chosen models side by side", async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(site, "diff.html")).href);
    await page.selectOption("#a", "Llama");
    await page.selectOption("#b", "Llama");
    expect(await page.locator("#diff").textContent()).toContain("No differences");
    const other = models.find((m) => m !== "Llama");
    if (other) {
      await page.selectOption("#b", other);
      const text = (await page.locator("#diff").textContent()) ?? "";
      expect(text).toContain("Hyperparameters");
      expect(await page.locator("#diff td.a").count()).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(artifacts, "report-diff.png"), fullPage: true });
    await page.close();
  });

  it("playground: typing a shape error shows the checker's diagnostic at its line; fixing it brings the diagram back", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${pathToFileURL(join(site, "playground.html")).href}?model=llama.arch`);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 30_000 }).toContain("Llama");
    expect(await page.locator("#diagnostics").textContent()).toContain("No problems.");
    expect(await page.locator("#diagram svg").count()).toBe(1);
    expect(await page.locator("#tree").textContent()).toContain("(self_attn): LlamaAttention(");

    // Make o_proj's output 2 * d, as a person would: go to line 52, column of `d, bias`, type.
    const source = readFileSync(join(__dirname, "../../models/llama.arch"), "utf8").split("\n");
    const line = source.findIndex((l) => l.includes("o_proj: Linear(heads * head_dim, d,"));
    const column = source[line]!.indexOf(" d, bias") + 1;
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+Home");
    for (let i = 0; i < line; i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Home");
    // Home may stop at the indentation; go to the line start, then right to the column.
    await page.keyboard.press("Home");
    for (let i = 0; i < column; i++) await page.keyboard.press("ArrowRight");
    await page.keyboard.type("2 * ");
    const returnLine = source.findIndex((l) => l.includes("return o_proj(merge_heads(o))")) + 1;
    await expect.poll(() => page.locator("#diagnostics").textContent(), { timeout: 30_000 }).toContain(`${returnLine}:14: error[E0306]`);
    expect(await page.locator("#status").textContent()).toContain("fix the errors");
    await page.screenshot({ path: join(artifacts, "report-playground-error.png"), fullPage: true });

    for (let i = 0; i < 4; i++) await page.keyboard.press("Backspace");
    await expect.poll(() => page.locator("#diagnostics").textContent(), { timeout: 30_000 }).toContain("No problems.");
    await expect.poll(() => page.locator("#diagram svg").count()).toBe(1);
    await page.screenshot({ path: join(artifacts, "report-playground.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
