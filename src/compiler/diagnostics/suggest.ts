// "Did you mean …?" hints for unknown names: the closest candidate by edit distance, as a
// hint and, where the name's span is known, as the edit an editor offers as a quick fix.
import type { Span } from "../ast/nodes.js";
import type { Fix } from "./diagnostic.js";

export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const best = closestName(name, candidates);
  return best !== undefined ? `did you mean \`${best}\`?` : undefined;
}

/** The hint and the quick fix for a misspelt name written at `span`. */
export function suggestAt(name: string, candidates: Iterable<string>, span: Span): { hint?: string; fixes?: Fix[] } {
  const best = closestName(name, candidates);
  return best === undefined ? {} : { hint: `did you mean \`${best}\`?`, fixes: [{ title: `Change to \`${best}\``, span, text: best }] };
}

function closestName(name: string, candidates: Iterable<string>): string | undefined {
  // Edit distance is quadratic: a name thousands of characters long is no typo to correct.
  if (name.length > 256) return undefined;
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // The distance is at least the difference in length: such a candidate cannot win.
    if (Math.abs(c.length - name.length) > Math.min(limit, bestD)) continue;
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
