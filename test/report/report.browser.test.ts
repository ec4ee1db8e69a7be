// The static report, opened from disk in a real browser (Debian's Chromium driven by
// playwright-core): the zoo table, a model page and a diff of two chosen models.
// Screenshots are kept in test-artifacts/ for a person to look at.
import { existsSync, mkdirSync } from "node:fs";
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
});
