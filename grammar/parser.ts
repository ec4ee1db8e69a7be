// The .arch grammar as a Chevrotain CST parser. Error recovery is on, so one run reports
// every syntax error it can re-synchronise past; src/compiler/ast turns the CST into the AST.
import { CstParser, type CstNode, type IRecognitionException, type ILexingError } from "chevrotain";
import * as T from "./tokens.js";
import { syntaxErrorData } from "./syntax-errors.js";

// The precedence levels of an expression, outermost first: `x` is an expr holding a rangeExpr
// holding … a postfixExpr holding a primary. A level that only passes one operand through (no
// token of its own) is left out of the CST, its operand standing in its place under the same
// label: the AST builder reads a level by the node's name, and the tree keeps a few nodes per
// operand instead of twelve (a file of 30 000 `let x = y + 1` held 570 000 CST nodes, 340 MB).
const passThroughLevels: ReadonlySet<string> = new Set(["expr", "rangeExpr", "coalesceExpr", "orExpr", "andExpr", "cmpExpr", "addExpr", "mulExpr", "unaryExpr", "powerExpr", "postfixExpr"]);

/** The operand a pass-through level holds, or the node itself. */
function withoutPassThrough(node: CstNode): CstNode {
  if (!passThroughLevels.has(node.name)) return node;
  const lists = Object.values(node.children);
  if (lists.length !== 1 || lists[0]!.length !== 1) return node;
  const only = lists[0]![0]!;
  return "children" in only ? only : node;
}

/** Chevrotain's (undeclared) hook that adds a finished rule's node to its parent's children. */
type PostNonTerminal = (this: CstParser, result: CstNode, label: string) => void;
const addToParent = (CstParser.prototype as unknown as { cstPostNonTerminal: PostNonTerminal }).cstPostNonTerminal;

export class ArchParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "full", errorMessageProvider: syntaxErrorData });
    this.performSelfAnalysis();
  }

  /** Chevrotain 11 calls this for each finished subrule (pinned version: an internal hook). */
  cstPostNonTerminal(result: CstNode, label: string): void {
    addToParent.call(this, withoutPassThrough(result), label);
  }

  file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.archDecl));
  });

  archDecl = this.RULE("archDecl", () => {
    this.CONSUME(T.Arch);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Extends);
      this.CONSUME2(T.Identifier, { LABEL: "base" });
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.member));
    this.CONSUME(T.RBrace);
  });

  member = this.RULE("member", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.hfDecl) },
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.requireDecl) },
      { ALT: () => this.SUBRULE(this.ignoreDecl) },
      { ALT: () => this.SUBRULE(this.blockDecl) },
      { ALT: () => this.SUBRULE(this.rootDecl) },
      { ALT: () => this.SUBRULE(this.presetDecl) },
    ]);
  });

  hfDecl = this.RULE("hfDecl", () => {
    this.CONSUME(T.Hf);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.StringLit, { LABEL: "modelType" }) });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.hfClassMap));
    this.CONSUME(T.RBrace);
  });

  hfClassMap = this.RULE("hfClassMap", () => {
    this.CONSUME(T.Identifier, { LABEL: "hfClass" });
    this.CONSUME(T.FatArrow);
    this.CONSUME2(T.Identifier, { LABEL: "block" });
    this.OPTION(() => this.CONSUME(T.Comma));
  });

  paramDecl = this.RULE("paramDecl", () => {
    this.OPTION(() => this.CONSUME(T.Override));
    this.CONSUME(T.Param);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION2(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE(this.expr, { LABEL: "default" });
    });
    this.OPTION3(() => {
      this.CONSUME(T.LArrow);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.hfKey) });
    });
  });

  hfKey = this.RULE("hfKey", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLit) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "part" });
          this.MANY(() => {
            this.CONSUME(T.Dot);
            this.CONSUME2(T.Identifier, { LABEL: "part" });
          });
        },
      },
    ]);
  });

  typeRef = this.RULE("typeRef", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.CONSUME(T.RBracket);
    });
    this.OPTION2(() => this.CONSUME(T.Question));
  });

  letDecl = this.RULE("letDecl", () => {
    this.OPTION(() => this.CONSUME(T.Override));
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    // `let mix(x, prev, m) = …`: a function of tensor expressions, expanded where it is called.
    this.OPTION2(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Identifier, { LABEL: "fnParam" }) });
      this.CONSUME(T.RParen);
    });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expr, { LABEL: "value" });
  });

  requireDecl = this.RULE("requireDecl", () => {
    this.CONSUME(T.Require);
    this.SUBRULE(this.expr, { LABEL: "cond" });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.CONSUME(T.StringLit, { LABEL: "message" });
    });
  });

  ignoreDecl = this.RULE("ignoreDecl", () => {
    this.CONSUME(T.Ignore);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.hfKey) });
  });

  rootDecl = this.RULE("rootDecl", () => {
    this.CONSUME(T.Root);
    this.CONSUME(T.Identifier, { LABEL: "block" });
  });

  presetDecl = this.RULE("presetDecl", () => {
    this.CONSUME(T.Preset);
    this.CONSUME(T.StringLit, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Root);
      this.CONSUME(T.Identifier, { LABEL: "root" });
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.presetAssign));
    this.CONSUME(T.RBrace);
  });

  presetAssign = this.RULE("presetAssign", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expr, { LABEL: "value" });
    this.OPTION(() => this.OR([{ ALT: () => this.CONSUME(T.Semicolon) }, { ALT: () => this.CONSUME(T.Comma) }]));
  });

  blockDecl = this.RULE("blockDecl", () => {
    this.OPTION(() => this.CONSUME(T.Override));
    this.CONSUME(T.Block);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION2(() => this.SUBRULE(this.blockParams));
    this.OPTION3(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE(this.expr, { LABEL: "alias" });
    });
    this.OPTION4(() => this.SUBRULE(this.blockBody));
  });

  blockParams = this.RULE("blockParams", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.blockParam) });
    this.CONSUME(T.RParen);
  });

  blockParam = this.RULE("blockParam", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE(this.expr, { LABEL: "default" });
    });
  });

  blockBody = this.RULE("blockBody", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.blockItem));
    this.CONSUME(T.RBrace);
  });

  blockItem = this.RULE("blockItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.classItem) },
      { ALT: () => this.SUBRULE(this.reprItem) },
      { ALT: () => this.SUBRULE(this.tieItem) },
      { ALT: () => this.SUBRULE(this.forwardDecl) },
      { ALT: () => this.SUBRULE(this.submoduleDecl) },
    ]);
  });

  classItem = this.RULE("classItem", () => {
    this.CONSUME(T.Class);
    this.CONSUME(T.StringLit, { LABEL: "value" });
  });

  reprItem = this.RULE("reprItem", () => {
    this.CONSUME(T.Repr);
    this.CONSUME(T.StringLit, { LABEL: "value" });
  });

  tieItem = this.RULE("tieItem", () => {
    this.CONSUME(T.Tie);
    this.SUBRULE(this.path, { LABEL: "target" });
    this.CONSUME(T.Assign);
    this.SUBRULE2(this.path, { LABEL: "source" });
    this.OPTION(() => {
      this.CONSUME(T.If);
      this.SUBRULE(this.expr, { LABEL: "cond" });
    });
  });

  path = this.RULE("path", () => {
    this.CONSUME(T.Identifier, { LABEL: "part" });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.OR([
        { ALT: () => this.CONSUME2(T.Identifier, { LABEL: "part" }) },
        { ALT: () => this.CONSUME(T.Integer, { LABEL: "part" }) },
      ]);
    });
  });

  submoduleDecl = this.RULE("submoduleDecl", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr, { LABEL: "module" });
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.SUBRULE2(this.expr, { LABEL: "className" });
    });
    this.OPTION2(() => {
      this.CONSUME(T.If);
      this.SUBRULE3(this.expr, { LABEL: "cond" });
    });
  });

  forwardDecl = this.RULE("forwardDecl", () => {
    this.CONSUME(T.Forward);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.formal) });
    this.CONSUME(T.RParen);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.tensorType, { LABEL: "result" });
    });
    this.SUBRULE(this.stmtBlock);
  });

  formal = this.RULE("formal", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.OR([{ ALT: () => this.SUBRULE(this.tensorType) }, { ALT: () => this.CONSUME2(T.Identifier, { LABEL: "scalarType" }) }]);
    this.OPTION(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE(this.expr, { LABEL: "default" });
    });
  });

  tensorType = this.RULE("tensorType", () => {
    this.OPTION(() => this.CONSUME(T.Ids));
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expr, { LABEL: "dim" }) });
    this.CONSUME(T.RBracket);
  });

  stmtBlock = this.RULE("stmtBlock", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.stmt));
    this.CONSUME(T.RBrace);
  });

  stmt = this.RULE("stmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.SUBRULE(this.emitStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.assignStmt) },
    ]);
  });

  letStmt = this.RULE("letStmt", () => {
    this.CONSUME(T.Let);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier, { LABEL: "name" }) });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expr, { LABEL: "value" });
  });

  assignStmt = this.RULE("assignStmt", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier, { LABEL: "name" }) });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expr, { LABEL: "value" });
  });

  returnStmt = this.RULE("returnStmt", () => {
    this.CONSUME(T.Return);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expr, { LABEL: "value" }) });
  });

  emitStmt = this.RULE("emitStmt", () => {
    this.CONSUME(T.Emit);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.SUBRULE(this.expr, { LABEL: "index" });
      this.CONSUME(T.RBracket);
    });
    this.CONSUME(T.LParen);
    this.SUBRULE2(this.expr, { LABEL: "value" });
    this.CONSUME(T.RParen);
  });

  forStmt = this.RULE("forStmt", () => {
    this.CONSUME(T.For);
    this.CONSUME(T.Identifier, { LABEL: "var" });
    this.CONSUME(T.In);
    this.SUBRULE(this.expr, { LABEL: "iter" });
    this.SUBRULE(this.stmtBlock);
  });

  ifStmt = this.RULE("ifStmt", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr, { LABEL: "cond" });
    this.SUBRULE(this.stmtBlock, { LABEL: "then" });
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([
        { ALT: () => this.SUBRULE(this.ifStmt, { LABEL: "elseIf" }) },
        { ALT: () => this.SUBRULE2(this.stmtBlock, { LABEL: "else" }) },
      ]);
    });
  });

  // ---- expressions, lowest precedence first
  expr = this.RULE("expr", () => {
    this.OR([{ ALT: () => this.SUBRULE(this.ifExpr) }, { ALT: () => this.SUBRULE(this.rangeExpr) }]);
  });

  ifExpr = this.RULE("ifExpr", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr, { LABEL: "cond" });
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expr, { LABEL: "then" });
    this.CONSUME(T.Else);
    this.SUBRULE3(this.expr, { LABEL: "else" });
  });

  rangeExpr = this.RULE("rangeExpr", () => {
    this.SUBRULE(this.coalesceExpr, { LABEL: "operand" });
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.coalesceExpr, { LABEL: "operand" });
    });
  });

  coalesceExpr = this.RULE("coalesceExpr", () => {
    this.SUBRULE(this.orExpr, { LABEL: "operand" });
    this.MANY(() => {
      this.CONSUME(T.QQ, { LABEL: "op" });
      this.SUBRULE2(this.orExpr, { LABEL: "operand" });
    });
  });

  orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr, { LABEL: "operand" });
    this.MANY(() => {
      this.CONSUME(T.OrOr, { LABEL: "op" });
      this.SUBRULE2(this.andExpr, { LABEL: "operand" });
    });
  });

  andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.cmpExpr, { LABEL: "operand" });
    this.MANY(() => {
      this.CONSUME(T.AndAnd, { LABEL: "op" });
      this.SUBRULE2(this.cmpExpr, { LABEL: "operand" });
    });
  });

  cmpExpr = this.RULE("cmpExpr", () => {
    this.SUBRULE(this.addExpr, { LABEL: "operand" });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.EqEq, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.NotEq, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.LtEq, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.GtEq, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.Lt, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.Gt, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.In, { LABEL: "op" }) },
      ]);
      this.SUBRULE2(this.addExpr, { LABEL: "operand" });
    });
  });

  addExpr = this.RULE("addExpr", () => {
    this.SUBRULE(this.mulExpr, { LABEL: "operand" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: "op" }) },
      ]);
      this.SUBRULE2(this.mulExpr, { LABEL: "operand" });
    });
  });

  mulExpr = this.RULE("mulExpr", () => {
    this.SUBRULE(this.unaryExpr, { LABEL: "operand" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.SlashSlash, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.Percent, { LABEL: "op" }) },
        { ALT: () => this.CONSUME(T.At, { LABEL: "op" }) },
      ]);
      this.SUBRULE2(this.unaryExpr, { LABEL: "operand" });
    });
  });

  unaryExpr = this.RULE("unaryExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Minus, { LABEL: "op" }) },
            { ALT: () => this.CONSUME(T.Bang, { LABEL: "op" }) },
          ]);
          this.SUBRULE(this.unaryExpr, { LABEL: "operand" });
        },
      },
      { ALT: () => this.SUBRULE(this.powerExpr, { LABEL: "operand" }) },
    ]);
  });

  powerExpr = this.RULE("powerExpr", () => {
    this.SUBRULE(this.postfixExpr, { LABEL: "base" });
    this.OPTION(() => {
      this.CONSUME(T.StarStar);
      this.SUBRULE(this.unaryExpr, { LABEL: "exponent" });
    });
  });

  postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.callSuffix) },
        { ALT: () => this.SUBRULE(this.indexSuffix) },
        { ALT: () => this.SUBRULE(this.memberSuffix) },
      ]);
    });
  });

  callSuffix = this.RULE("callSuffix", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.arg) });
    this.CONSUME(T.RParen);
  });

  arg = this.RULE("arg", () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier, { LABEL: "keyword" });
      this.CONSUME(T.Assign);
    });
    this.SUBRULE(this.expr, { LABEL: "value" });
  });

  indexSuffix = this.RULE("indexSuffix", () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.expr, { LABEL: "index" });
    this.CONSUME(T.RBracket);
  });

  memberSuffix = this.RULE("memberSuffix", () => {
    this.CONSUME(T.Dot);
    this.CONSUME(T.Identifier, { LABEL: "name" });
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Float, { LABEL: "float" }) },
      { ALT: () => this.CONSUME(T.Integer, { LABEL: "int" }) },
      { ALT: () => this.CONSUME(T.StringLit, { LABEL: "string" }) },
      { ALT: () => this.CONSUME(T.True, { LABEL: "true" }) },
      { ALT: () => this.CONSUME(T.False, { LABEL: "false" }) },
      { ALT: () => this.CONSUME(T.Null, { LABEL: "null" }) },
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
      { ALT: () => this.SUBRULE(this.listExpr) },
    ]);
  });

  parenExpr = this.RULE("parenExpr", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expr, { LABEL: "inner" });
    this.CONSUME(T.RParen);
  });

  listExpr = this.RULE("listExpr", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expr, { LABEL: "item" });
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.For);
            this.CONSUME(T.Identifier, { LABEL: "var" });
            this.CONSUME(T.In);
            this.SUBRULE2(this.expr, { LABEL: "iter" });
          },
        },
        {
          ALT: () => {
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE3(this.expr, { LABEL: "item" });
            });
          },
        },
      ]);
    });
    this.CONSUME(T.RBracket);
  });
}

// One parser instance is enough: Chevrotain parsers are reusable by resetting `input`.
export const archParser = new ArchParser();

export interface ParseOutput {
  cst: CstNode;
  lexErrors: ILexingError[];
  parseErrors: IRecognitionException[];
}

export function parseArchText(text: string): ParseOutput {
  const lexed = T.archLexer.tokenize(text);
  archParser.input = lexed.tokens;
  const cst = archParser.file();
  return { cst, lexErrors: lexed.errors, parseErrors: archParser.errors };
}
