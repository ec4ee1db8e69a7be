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
  type Range,
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
  const documents = new TextDocuments(TextDocument);
  const parseCache: ParseCache = new Map();
  let preset: string | undefined;
  let snapshot: Snapshot | undefined;
  let timer: NodeJS.Timeout | undefined;

  const shownPath = (uri: string) => displayPath(fileURLToPath(uri));
  const uriOf = (shown: string) => pathToFileURL(resolve(shown)).toString();

  /** The snapshot for the documents as they are now (built at most once per change). */
  const current = (): Snapshot => {
    if (snapshot) return snapshot;
    const open = documents.all().filter((d) => d.uri.startsWith("file:"));
    const texts = new Map(open.map((d) => [resolve(fileURLToPath(d.uri)), d.getText()]));
    const ws = loadWorkspace([...texts.keys()], { texts, parseCache });
    const index = new SymbolIndex(ws);
    const shown = open.map((d) => shownPath(d.uri));
    const all = checkWorkspace(ws, shown);
    const diagnostics = new Map(shown.map((s) => [s, all.filter((d) => d.span?.file === s)]));
    snapshot = { ws, index, hover: new HoverProvider(ws, index, preset), diagnostics };
    return snapshot;
  };

  /** An LSP range from a span, through the text of its file. */
  const rangeOf = (span: Span, ws: Workspace): Range => {
    const text = documents.get(uriOf(span.file))?.getText() ?? ws.sources.get(span.file) ?? "";
    const doc = TextDocument.create("", "arch", 0, text);
    return { start: doc.positionAt(span.offset), end: doc.positionAt(span.offset + span.length) };
  };

  const toLsp = (d: Diagnostic, ws: Workspace): LspDiagnostic => {
    const span = d.span!;
    const detail = [d.expected !== undefined ? `expected: ${d.expected}` : "", d.found !== undefined ? `found: ${d.found}` : "", d.hint ? `hint: ${d.hint}` : ""].filter(Boolean);
    return {
      range: rangeOf(span, ws),
      severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: d.code,
      source: "archc",
      message: [d.message, ...detail].join("\n"),
      relatedInformation: (d.notes ?? []).filter((n) => n.span).map((n) => ({ location: { uri: uriOf(n.span!.file), range: rangeOf(n.span!, ws) }, message: n.message })),
    };
  };

  const publish = () => {
    timer = undefined;
    const s = current();
    for (const doc of documents.all()) {
      const diags = s.diagnostics.get(shownPath(doc.uri)) ?? [];
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics: diags.map((d) => toLsp(d, s.ws)) });
    }
  };

  const changed = (immediately: boolean) => {
    snapshot = undefined;
    if (timer) clearTimeout(timer);
    if (immediately) publish();
    else timer = setTimeout(publish, DEBOUNCE_MS);
  };

  connection.onInitialize((params) => {
    const options = params.initializationOptions as { preset?: unknown } | undefined;
    if (typeof options?.preset === "string") preset = options.preset;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        completionProvider: { triggerCharacters: ["."] },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        renameProvider: { prepareProvider: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: "archc", version: "0.1.0" },
    };
  });

  documents.onDidOpen(() => changed(true));
  documents.onDidChangeContent(() => changed(false));
  documents.onDidClose((e) => {
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    changed(false);
  });

  const offsetOf = (uri: string, position: { line: number; character: number }) => documents.get(uri)?.offsetAt(position);

  connection.onHover(({ textDocument, position }) => {
    const offset = offsetOf(textDocument.uri, position);
    if (offset === undefined) return null;
    const s = current();
    const h = s.hover.at(shownPath(textDocument.uri), offset);
    return h ? { contents: { kind: "markdown", value: h.markdown }, range: rangeOf(h.span, s.ws) } : null;
  });

  const locationOf = (span: Span, ws: Workspace): Location => ({ uri: uriOf(span.file), range: rangeOf(span, ws) });

  connection.onDefinition(({ textDocument, position }) => {
    const offset = offsetOf(textDocument.uri, position);
    const s = current();
    const occ = offset === undefined ? undefined : s.index.at(shownPath(textDocument.uri), offset);
    return occ ? locationOf(occ.declaration.span, s.ws) : null;
  });

  connection.onReferences(({ textDocument, position, context }) => {
    const offset = offsetOf(textDocument.uri, position);
    const s = current();
    const occ = offset === undefined ? undefined : s.index.at(shownPath(textDocument.uri), offset);
    if (!occ) return [];
    const key = declarationKey(occ.declaration);
    return s.index
      .references(occ.declaration)
      .filter((o) => context.includeDeclaration || `${o.span.file}:${o.span.offset}` !== key)
      .map((o) => locationOf(o.span, s.ws));
  });

  connection.onPrepareRename(({ textDocument, position }) => {
    const offset = offsetOf(textDocument.uri, position);
    const s = current();
    const occ = offset === undefined ? undefined : s.index.at(shownPath(textDocument.uri), offset);
    return occ ? { range: rangeOf(occ.span, s.ws), placeholder: occ.declaration.name } : null;
  });

  connection.onRenameRequest(({ textDocument, position, newName }) => {
    const offset = offsetOf(textDocument.uri, position);
    const s = current();
    const occ = offset === undefined ? undefined : s.index.at(shownPath(textDocument.uri), offset);
    if (!occ || !identifier.test(newName)) return null;
    const changes: Record<string, TextEdit[]> = {};
    for (const o of s.index.references(occ.declaration)) (changes[uriOf(o.span.file)] ??= []).push({ range: rangeOf(o.span, s.ws), newText: newName });
    return { changes };
  });

  connection.onCompletion(({ textDocument, position }): CompletionItem[] => {
    const offset = offsetOf(textDocument.uri, position);
    if (offset === undefined) return [];
    const s = current();
    return completionsAt(s.ws, s.index, shownPath(textDocument.uri), offset).map((c) => ({
      label: c.label,
      kind: completionKinds[c.kind],
      detail: c.detail,
      ...(c.documentation ? { documentation: c.documentation } : {}),
    }));
  });

  connection.onDocumentSymbol(({ textDocument }): DocumentSymbol[] => {
    const s = current();
    return s.index.outline(shownPath(textDocument.uri)).map(({ arch, members }) => {
      const decl = s.ws.files.flatMap((f) => f.archs).find((a) => a.name === arch.name);
      const archRange = decl ? rangeOf(decl.span, s.ws) : rangeOf(arch.span, s.ws);
      return {
        name: arch.name,
        kind: SymbolKind.Module,
        range: archRange,
        selectionRange: rangeOf(arch.span, s.ws),
        children: members.map((m) => ({ name: m.name, detail: m.kind, kind: symbolKinds[m.kind] ?? SymbolKind.Variable, range: rangeOf(m.span, s.ws), selectionRange: rangeOf(m.span, s.ws) })),
      };
    });
  });

  connection.onDocumentFormatting(({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const formatted = formatArch(doc.getText());
    if (!formatted.ok || formatted.text === doc.getText()) return [];
    return [{ range: { start: doc.positionAt(0), end: doc.positionAt(doc.getText().length) }, newText: formatted.text }];
  });

  connection.onCodeAction(({ textDocument, range }): CodeAction[] => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const s = current();
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const actions: CodeAction[] = [];
    for (const d of s.diagnostics.get(shownPath(textDocument.uri)) ?? []) {
      if (!d.span || d.span.offset > to || d.span.offset + d.span.length < from) continue;
      for (const fix of d.fixes ?? []) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [toLsp(d, s.ws)],
          edit: { changes: { [uriOf(fix.span.file)]: [{ range: rangeOf(fix.span, s.ws), newText: fix.text }] } },
        });
      }
    }
    return actions;
  });

  documents.listen(connection);
  connection.listen();
}
