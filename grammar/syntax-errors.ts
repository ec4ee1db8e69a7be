// What the parser expected where a syntax error occurred, as token type names. Chevrotain
// builds each error's message through this provider; it writes down the expected tokens as
// data (JSON) instead of English, and `expectedTokens` reads them back for the diagnostic.
import type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from "chevrotain";

interface SyntaxErrorData {
  expected: string[];
}

const encode = (expected: (TokenType | undefined)[]): string =>
  JSON.stringify({ expected: Array.from(new Set(expected.filter((t): t is TokenType => t !== undefined).map((t) => t.name))) } satisfies SyntaxErrorData);

// Each alternative is a sequence of tokens: only its first is what the user could type here.
const firstOfEach = (paths: TokenType[][]): (TokenType | undefined)[] => paths.map((p) => p[0]);

export const syntaxErrorData: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }) => encode([expected]),
  // Input left over after a complete file: the parser names no expectation (a closing brace
  // too many is explained by the error that made it one too many).
  buildNotAllInputParsedMessage: () => encode([]),
  buildNoViableAltMessage: ({ expectedPathsPerAlt }) => encode(firstOfEach(expectedPathsPerAlt.flat())),
  buildEarlyExitMessage: ({ expectedIterationPaths }) => encode(firstOfEach(expectedIterationPaths)),
};

/** The token type names a syntax error expected (its message is the provider's data). */
export function expectedTokens(e: IRecognitionException): string[] {
  return (JSON.parse(e.message) as SyntaxErrorData).expected;
}
