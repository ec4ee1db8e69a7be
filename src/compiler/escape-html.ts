// Text placed in HTML (the diff page, the report site, SVG diagrams) escaped so that it
// reads as text, never as markup.
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}
