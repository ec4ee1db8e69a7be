/** The smallest valid architecture the CLI tests compile and run: one Linear(d, d) block. */
export function tinyArch(name: string): string {
  return `arch ${name} {
  param d: int = 8
  block M {
    l: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      return l(x)
    }
  }
  root M
  preset "tiny" { d = 4 }
}
`;
}
