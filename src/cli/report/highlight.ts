// .arch source as HTML, coloured by the language's own lexer so that the highlighting can
// never disagree with the grammar.
import { archLexer, keywords } from "../../../grammar/tokens.js";
import { escapeHtml } from "../../compiler/escape-html.js";

const keywordNames = new Set(keywords.map((k) => k.name));

export function highlightArch(text: string): string {
  const lexed = archLexer.tokenize(text);
  const tokens = [...lexed.tokens, ...((lexed.groups.comments as typeof lexed.tokens | undefined) ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  let out = "";
  let pos = 0;
  for (const t of tokens) {
    out += escapeHtml(text.slice(pos, t.startOffset));
    const name = t.tokenType.name;
    const cls = name === "Comment" ? "c" : keywordNames.has(name) ? "k" : name === "StringLit" ? "s" : name === "Integer" || name === "Float" ? "n" : name === "Identifier" && /^[A-Z]/.test(t.image) ? "t" : "";
    out += cls ? `<span class="${cls}">${escapeHtml(t.image)}</span>` : escapeHtml(t.image);
    pos = t.startOffset + t.image.length;
  }
  return out + escapeHtml(text.slice(pos));
}
