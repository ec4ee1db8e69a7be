// The language server: the same pipeline as `archc check`, answering an editor over LSP.
// Every request reads one snapshot of the workspace (the zoo plus the open documents, as
// typed); a change makes a new snapshot, and diagnostics follow after a short pause in typing.
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeAction,
  type CompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type Location,
  type Position,
  type Range,
  type ServerCapabilities,
  type TextEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Span } from "../compiler/ast/nodes.js";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.js";
import { formatArch } from "../compiler/format/format.js";
import { checkWorkspace } from "../compiler/pipeline.js";
import { displayPath, loadWorkspace, type ParseCache, type Workspace } from "../compiler/workspace.js";
import { completionsAt, type CompletionKind } from "./completion.js";
import { HoverProvider } from "./hover.js";
import { declarationKey, SymbolIndex, type DeclarationKind } from "./symbols-index.js";

/** How long typing must pause before the open documents are checked again. */
const DEBOUNCE_MS = 150;

interface Snapshot {
  ws: Workspace;
  index: SymbolIndex;
  hover: HoverProvider;
  /** Diagnostics of each open document, by its shown path. */
  diagnostics: Map<string, Diagnostic[]>;
}

const completionKinds: Record<CompletionKind, CompletionItemKind> = {
  op: CompletionItemKind.Function,
  primitive: CompletionItemKind.Class,
  param: CompletionItemKind.Property,
  let: CompletionItemKind.Constant,
  block: CompletionItemKind.Class,
  submodule: CompletionItemKind.Field,
  local: CompletionItemKind.Variable,
};

const symbolKinds: Partial<Record<DeclarationKind, SymbolKind>> = {
  param: SymbolKind.Property,
  let: SymbolKind.Constant,
  block: SymbolKind.Class,
  preset: SymbolKind.Object,
};

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function startServer(connection: Connection): void {
  const docs = new OpenDocuments(connection);
  connection.onInitialize((params) => {
    const options = params.initializationOptions as { preset?: unknown } | undefined;
    if (typeof options?.preset === "string") docs.preset = options.preset;
    return { capabilities, serverInfo: { name: "archc", version: "0.1.0" } };
  });
  docs.documents.onDidOpen(() => docs.changed(true));
  docs.documents.onDidChangeContent(() => docs.changed(false));
  docs.documents.onDidClose((e) => {
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    docs.changed(false);
  });
  answerNavigation(connection, docs);
  answerEditing(connection, docs);
  docs.documents.listen(connection);
  connection.listen();
}

const capabilities: ServerCapabilities = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  completionProvider: { triggerCharacters: ["."] },
  documentSymbolProvider: true,
  documentFormattingProvider: true,
  renameProvider: { prepareProvider: true },
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
};

/** The open documents, the snapshot built from them, and the debounced diagnostics. */
class OpenDocuments {
  readonly documents = new TextDocuments(TextDocument);
  preset: string | undefined;
  private readonly parseCache: ParseCache = new Map();
  private snapshot: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly connection: Connection) {}

  readonly shownPath = (uri: string) => displayPath(fileURLToPath(uri));
  readonly uriOf = (shown: string) => pathToFileURL(resolve(shown)).toString();

  /** The snapshot for the documents as they are now (built at most once per change). */
  current(): Snapshot {
    if (this.snapshot) return this.snapshot;
    const open = this.documents.all().filter((d) => d.uri.startsWith("file:"));
    const texts = new Map(open.map((d) => [resolve(fileURLToPath(d.uri)), d.getText()]));
    const ws = loadWorkspace([...texts.keys()], { texts, parseCache: this.parseCache });
    const index = new SymbolIndex(ws);
    const shown = open.map((d) => this.shownPath(d.uri));
    const all = checkWorkspace(ws, shown);
    const diagnostics = new Map(shown.map((s) => [s, all.filter((d) => d.span?.file === s)]));
    this.snapshot = { ws, index, hover: new HoverProvider(ws, index, this.preset), diagnostics };
    return this.snapshot;
  }

  changed(immediately: boolean): void {
    this.snapshot = undefined;
    if (this.timer) clearTimeout(this.timer);
    if (immediately) this.publish();
    else this.timer = setTimeout(() => this.publish(), DEBOUNCE_MS);
  }

  private publish(): void {
    this.timer = undefined;
    const s = this.current();
    for (const doc of this.documents.all()) {
      const diags = s.diagnostics.get(this.shownPath(doc.uri)) ?? [];
      void this.connection.sendDiagnostics({ uri: doc.uri, diagnostics: diags.map((d) => this.toLsp(d, s.ws)) });
    }
  }

  /** An LSP range from a span, through the text of its file. */
  rangeOf(span: Span, ws: Workspace): Range {
    const text = this.documents.get(this.uriOf(span.file))?.getText() ?? ws.sources.get(span.file) ?? "";
    const doc = TextDocument.create("", "arch", 0, text);
    return { start: doc.positionAt(span.offset), end: doc.positionAt(span.offset + span.length) };
  }

  locationOf(span: Span, ws: Workspace): Location {
    return { uri: this.uriOf(span.file), range: this.rangeOf(span, ws) };
  }

  toLsp(d: Diagnostic, ws: Workspace): LspDiagnostic {
    const detail = [d.expected !== undefined ? `expected: ${d.expected}` : "", d.found !== undefined ? `found: ${d.found}` : "", d.hint ? `hint: ${d.hint}` : ""].filter(Boolean);
    return {
      range: this.rangeOf(d.span!, ws),
      severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: d.code,
      source: "archc",
      message: [d.message, ...detail].join("\n"),
      relatedInformation: (d.notes ?? []).filter((n) => n.span).map((n) => ({ location: this.locationOf(n.span!, ws), message: n.message })),
    };
  }

  /** The name occurrence at an editor position, with the snapshot it was found in. */
  occurrenceAt(uri: string, position: Position): { s: Snapshot; occ: ReturnType<SymbolIndex["at"]> } {
    const offset = this.documents.get(uri)?.offsetAt(position);
    const s = this.current();
    return { s, occ: offset === undefined ? undefined : s.index.at(this.shownPath(uri), offset) };
  }
}

/** Hover, definition, references, completion and the outline. */
function answerNavigation(connection: Connection, docs: OpenDocuments): void {
  connection.onHover(({ textDocument, position }) => {
    const offset = docs.documents.get(textDocument.uri)?.offsetAt(position);
    if (offset === undefined) return null;
    const s = docs.current();
    const h = s.hover.at(docs.shownPath(textDocument.uri), offset);
    return h ? { contents: { kind: "markdown", value: h.markdown }, range: docs.rangeOf(h.span, s.ws) } : null;
  });

  connection.onDefinition(({ textDocument, position }) => {
    const { s, occ } = docs.occurrenceAt(textDocument.uri, position);
    return occ ? docs.locationOf(occ.declaration.span, s.ws) : null;
  });

  connection.onReferences(({ textDocument, position, context }) => {
    const { s, occ } = docs.occurrenceAt(textDocument.uri, position);
    if (!occ) return [];
    const key = declarationKey(occ.declaration);
    return s.index
      .references(occ.declaration)
      .filter((o) => context.includeDeclaration || `${o.span.file}:${o.span.offset}` !== key)
      .map((o) => docs.locationOf(o.span, s.ws));
  });

  connection.onCompletion(({ textDocument, position }): CompletionItem[] => {
    const offset = docs.documents.get(textDocument.uri)?.offsetAt(position);
    if (offset === undefined) return [];
    const s = docs.current();
    return completionsAt(s.ws, s.index, docs.shownPath(textDocument.uri), offset).map((c) => ({
      label: c.label,
      kind: completionKinds[c.kind],
      detail: c.detail,
      ...(c.documentation ? { documentation: c.documentation } : {}),
    }));
  });

  connection.onDocumentSymbol(({ textDocument }): DocumentSymbol[] => {
    const s = docs.current();
    return s.index.outline(docs.shownPath(textDocument.uri)).map(({ arch, members }) => {
      const decl = s.ws.files.flatMap((f) => f.archs).find((a) => a.name === arch.name);
      return {
        name: arch.name,
        kind: SymbolKind.Module,
        range: docs.rangeOf(decl ? decl.span : arch.span, s.ws),
        selectionRange: docs.rangeOf(arch.span, s.ws),
        children: members.map((m) => ({ name: m.name, detail: m.kind, kind: symbolKinds[m.kind] ?? SymbolKind.Variable, range: docs.rangeOf(m.span, s.ws), selectionRange: docs.rangeOf(m.span, s.ws) })),
      };
    });
  });
}

/** Rename, formatting and quick fixes. */
function answerEditing(connection: Connection, docs: OpenDocuments): void {
  connection.onPrepareRename(({ textDocument, position }) => {
    const { s, occ } = docs.occurrenceAt(textDocument.uri, position);
    return occ ? { range: docs.rangeOf(occ.span, s.ws), placeholder: occ.declaration.name } : null;
  });

  connection.onRenameRequest(({ textDocument, position, newName }) => {
    const { s, occ } = docs.occurrenceAt(textDocument.uri, position);
    if (!occ || !identifier.test(newName)) return null;
    const changes: Record<string, TextEdit[]> = {};
    for (const o of s.index.references(occ.declaration)) (changes[docs.uriOf(o.span.file)] ??= []).push({ range: docs.rangeOf(o.span, s.ws), newText: newName });
    return { changes };
  });

  connection.onDocumentFormatting(({ textDocument }) => {
    const doc = docs.documents.get(textDocument.uri);
    if (!doc) return [];
    const formatted = formatArch(doc.getText());
    if (!formatted.ok || formatted.text === doc.getText()) return [];
    return [{ range: { start: doc.positionAt(0), end: doc.positionAt(doc.getText().length) }, newText: formatted.text }];
  });

  connection.onCodeAction(({ textDocument, range }): CodeAction[] => {
    const doc = docs.documents.get(textDocument.uri);
    if (!doc) return [];
    const s = docs.current();
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const actions: CodeAction[] = [];
    for (const d of s.diagnostics.get(docs.shownPath(textDocument.uri)) ?? []) {
      if (!d.span || d.span.offset > to || d.span.offset + d.span.length < from) continue;
      for (const fix of d.fixes ?? []) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [docs.toLsp(d, s.ws)],
          edit: { changes: { [docs.uriOf(fix.span.file)]: [{ range: docs.rangeOf(fix.span, s.ws), newText: fix.text }] } },
        });
      }
    }
    return actions;
  });
}
