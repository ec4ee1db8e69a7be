// A minimal LSP client, as an editor speaks to `archc lsp --stdio`: JSON-RPC messages with
// Content-Length headers over the child's standard input and output.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

type Message = { id?: number; method?: string; params?: any; result?: any; error?: { message: string } };

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, (m: Message) => void>();
  private readonly notifications: Message[] = [];
  private readonly waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  stderr = "";

  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", join(root, "scripts/dev-archc.mts"), "lsp", "--stdio"], { cwd: root });
    this.child.stdout.on("data", (d: Buffer) => this.receive(d));
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
  }

  private receive(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const msg = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      if (msg.id !== undefined && !msg.method) this.pending.get(msg.id)?.(msg);
      else if (msg.method) {
        if (msg.id !== undefined) this.send({ id: msg.id, result: null }); // server-to-client requests (e.g. registerCapability)
        const w = this.waiters.findIndex((x) => x.match(msg));
        if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(msg);
        else this.notifications.push(msg);
      }
    }
  }

  private send(m: object): void {
    const body = JSON.stringify({ jsonrpc: "2.0", ...m });
    this.child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  request<T = any>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result as T)));
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** The next notification that matches (one already received counts). */
  next(match: (m: Message) => boolean): Promise<Message> {
    const i = this.notifications.findIndex(match);
    if (i >= 0) return Promise.resolve(this.notifications.splice(i, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  diagnosticsFor(uri: string): Promise<any[]> {
    return this.next((m) => m.method === "textDocument/publishDiagnostics" && m.params.uri === uri).then((m) => m.params.diagnostics);
  }

  async close(): Promise<void> {
    await this.request("shutdown", null);
    this.notify("exit", null);
    await new Promise((r) => this.child.once("exit", r));
  }
}
