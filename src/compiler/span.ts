// Where a piece of source text is: what every AST node and every diagnostic points at.
export interface Span {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  offset: number;
  length: number;
}
