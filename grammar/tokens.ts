// Token definitions for the .arch language. Keywords are matched as identifiers first
// (longer_alt) so that `params` or `layers` are never split into a keyword and a tail.
import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
// A comment ends at any line break: \n, \r\n or a lone \r (old Mac files), else it would hide the rest of the file.
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: "comments" });

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string): TokenType {
  return createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier });
}

export const Arch = keyword("arch");
export const Extends = keyword("extends");
export const Param = keyword("param");
export const Let = keyword("let");
export const Require = keyword("require");
// `block` starts a declaration only when a name follows on the same line; elsewhere it is an
// ordinary name, so a submodule or loop variable can be called `block` (T5-style stacks use it).
export const Block = createToken({ name: "Block", pattern: /block(?=[ \t]+(?!in\b)[A-Za-z_])/, longer_alt: Identifier });
export const Forward = keyword("forward");
export const Return = keyword("return");
export const Emit = keyword("emit");
export const For = keyword("for");
export const In = keyword("in");
export const If = keyword("if");
export const Then = keyword("then");
export const Else = keyword("else");
export const Preset = keyword("preset");
export const Override = keyword("override");
export const Tie = keyword("tie");
export const Hf = keyword("hf");
export const Ignore = keyword("ignore");
export const Root = keyword("root");
export const Class = keyword("class");
export const Repr = keyword("repr");
export const As = keyword("as");
export const True = keyword("true");
export const False = keyword("false");
export const Null = keyword("null");
export const Ids = keyword("ids");

// A float needs digits on both sides of the point so that `0..n` lexes as a range.
export const Float = createToken({ name: "Float", pattern: /\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/ });
export const Integer = createToken({ name: "Integer", pattern: /\d+/ });
export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n]|\\.)*"/ });

export const Arrow = createToken({ name: "Arrow", pattern: /->/ });
export const LArrow = createToken({ name: "LArrow", pattern: /<-/ });
export const FatArrow = createToken({ name: "FatArrow", pattern: /=>/ });
export const DotDot = createToken({ name: "DotDot", pattern: /\.\./ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const EqEq = createToken({ name: "EqEq", pattern: /==/ });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/ });
export const LtEq = createToken({ name: "LtEq", pattern: /<=/ });
export const GtEq = createToken({ name: "GtEq", pattern: />=/ });
export const Lt = createToken({ name: "Lt", pattern: /</ });
export const Gt = createToken({ name: "Gt", pattern: />/ });
export const AndAnd = createToken({ name: "AndAnd", pattern: /&&/ });
export const OrOr = createToken({ name: "OrOr", pattern: /\|\|/ });
export const QQ = createToken({ name: "QQ", pattern: /\?\?/ });
export const Question = createToken({ name: "Question", pattern: /\?/ });
export const Bang = createToken({ name: "Bang", pattern: /!/ });
export const Assign = createToken({ name: "Assign", pattern: /=/ });
export const StarStar = createToken({ name: "StarStar", pattern: /\*\*/ });
export const SlashSlash = createToken({ name: "SlashSlash", pattern: /\/\// });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });
export const Star = createToken({ name: "Star", pattern: /\*/ });
export const Slash = createToken({ name: "Slash", pattern: /\// });
export const Percent = createToken({ name: "Percent", pattern: /%/ });
export const At = createToken({ name: "At", pattern: /@/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/ });

export const keywords: TokenType[] = [
  Arch, Extends, Param, Let, Require, Block, Forward, Return, Emit, For, In, If, Then, Else,
  Preset, Override, Tie, Hf, Ignore, Root, Class, Repr, As, True, False, Null, Ids,
];

export const allTokens: TokenType[] = [
  WhiteSpace, Comment,
  ...keywords,
  Identifier,
  Float, Integer, StringLit,
  Arrow, LArrow, FatArrow, DotDot, Dot, EqEq, NotEq, LtEq, GtEq, Lt, Gt, AndAnd, OrOr, QQ, Question, Bang,
  Assign, StarStar, SlashSlash, Plus, Minus, Star, Slash, Percent, At,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Semicolon,
];

export const archLexer = new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false });
