'use strict';
// A real LSP client for the tests: spawns the server (`dotnet EtlAgent.LanguageServer.dll`) and
// talks to it over stdio with vscode-languageserver-protocol, the protocol code VS Code's client uses.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  CancellationTokenSource,
} = require('vscode-languageserver-protocol/node');

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function serverDll() {
  if (process.env.ETL_AGENT_SERVER_DLL) return process.env.ETL_AGENT_SERVER_DLL;
  for (const config of ['Release', 'Debug']) {
    const p = path.join(repoRoot, 'server', 'src', 'EtlAgent.LanguageServer', 'bin', config, 'net10.0', 'EtlAgent.LanguageServer.dll');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('EtlAgent.LanguageServer.dll not found: run `npm run build:server` first (or set ETL_AGENT_SERVER_DLL).');
}

/** Copies a fixture workspace to a temp folder so a test may change files on disk. */
function copyFixture(name = 'lsp') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `etl-agent-${name}-`));
  // without .etl-agent (memory and reports a CLI run may have left in the fixture): a test starts from nothing
  const source = path.join(repoRoot, 'tests', 'fixtures', name);
  fs.cpSync(source, dir, { recursive: true, filter: (from) => path.relative(source, from).split(path.sep)[0] !== '.etl-agent' });
  return dir;
}

function uriOf(file) {
  return pathToFileURL(file).href;
}

const clientCapabilities = {
  workspace: {
    didChangeWatchedFiles: { dynamicRegistration: true },
    codeLens: { refreshSupport: true },
    applyEdit: true,
    workspaceEdit: { documentChanges: false },
    executeCommand: { dynamicRegistration: false },
    configuration: false,
  },
  window: { workDoneProgress: true, showDocument: { support: true } },
  textDocument: {
    synchronization: { didSave: true, dynamicRegistration: false },
    publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
    codeLens: { dynamicRegistration: false },
    codeAction: {
      dynamicRegistration: false,
      isPreferredSupport: true,
      dataSupport: true,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } },
    },
  },
};

class TestClient {
  constructor(workspace, proc, connection) {
    this.workspace = workspace;
    this.proc = proc;
    this.connection = connection;
    this.stderr = '';
    this.diagnostics = new Map(); // uri -> [params...] in arrival order
    this.progress = [];
    this.status = [];
    this.logs = [];
    this.registrations = [];
    this.shownDocuments = [];
    this.appliedEdits = [];
    this.waiters = [];
    this.exitCode = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  static async start(workspace, { initializationOptions, capabilities = clientCapabilities, initialized = true } = {}) {
    const proc = spawn('dotnet', [serverDll()], { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    const client = new TestClient(workspace, proc, connection);
    proc.stderr.on('data', (d) => { client.stderr += d.toString(); });
    connection.onNotification('textDocument/publishDiagnostics', (p) => {
      if (!client.diagnostics.has(p.uri)) client.diagnostics.set(p.uri, []);
      client.diagnostics.get(p.uri).push(p);
      client.notify();
    });
    connection.onNotification('$/progress', (p) => { client.progress.push(p); client.notify(); });
    connection.onNotification('etlAgent/status', (p) => { client.status.push(p); client.notify(); });
    connection.onNotification('window/logMessage', (p) => { client.logs.push(p); client.notify(); });
    connection.onNotification('window/showMessage', (p) => { client.logs.push(p); client.notify(); });
    connection.onNotification('$/logTrace', (p) => { client.logs.push(p); });
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', (p) => { client.registrations.push(...p.registrations); return null; });
    connection.onRequest('workspace/codeLens/refresh', () => null);
    connection.onRequest('window/showDocument', (p) => { client.shownDocuments.push(p); return { success: true }; });
    connection.onRequest('workspace/applyEdit', (p) => { client.appliedEdits.push(p); return { applied: true }; });
    connection.listen();
    client.initializeResult = await connection.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'etl-agent-e2e', version: '1' },
      rootUri: uriOf(workspace),
      workspaceFolders: [{ uri: uriOf(workspace), name: path.basename(workspace) }],
      capabilities,
      initializationOptions,
      trace: 'off',
    });
    if (initialized) await connection.sendNotification('initialized', {});
    return client;
  }

  uri(relative) {
    return uriOf(path.join(this.workspace, relative));
  }

  notify() {
    for (const w of [...this.waiters]) {
      let value;
      try { value = w.check(); } catch (e) { value = undefined; }
      if (value) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(value);
      }
    }
  }

  /** Resolves with check()'s first truthy value, re-evaluated on every notification. */
  waitFor(check, what, timeoutMs = 20000) {
    const value = check();
    if (value) return Promise.resolve(value);
    return new Promise((resolve, reject) => {
      const w = { check, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what}\n--- server stderr ---\n${this.stderr.slice(-4000)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Waits for a publishDiagnostics for `uri` after the `after`-th one that satisfies `predicate`. */
  waitForDiagnostics(uri, predicate = () => true, { after = 0, timeoutMs } = {}) {
    return this.waitFor(() => {
      const list = this.diagnostics.get(uri) || [];
      for (let i = after; i < list.length; i++) if (predicate(list[i])) return list[i];
      return undefined;
    }, `diagnostics for ${uri}`, timeoutMs);
  }

  diagnosticCount(uri) {
    return (this.diagnostics.get(uri) || []).length;
  }

  waitForIndexed(timeoutMs) {
    return this.waitFor(() => this.status.find((s) => s.state === 'ready'), 'indexing to finish', timeoutMs);
  }

  open(relative, text, version = 1) {
    const uri = this.uri(relative);
    if (text === undefined) text = fs.readFileSync(path.join(this.workspace, relative), 'utf8');
    this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'sql', version, text } });
    return { uri, text, version };
  }

  change(uri, version, contentChanges) {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  request(method, params, token) {
    return token ? this.connection.sendRequest(method, params, token) : this.connection.sendRequest(method, params);
  }

  /** Writes raw bytes to the server's stdin (for malformed-message tests). */
  writeRaw(text) {
    this.proc.stdin.write(text);
  }

  async stop() {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.connection.sendNotification('exit');
    } catch { /* already gone */ }
    const code = await Promise.race([this.exitCode, new Promise((r) => setTimeout(() => r('timeout'), 5000))]);
    if (code === 'timeout') this.proc.kill();
    this.connection.dispose();
    return code;
  }
}

/** Applies LSP TextEdits (non-overlapping) to a text. */
function applyEdits(text, edits) {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') { lineStarts.push(i + 2); i++; }
    else if (text[i] === '\n' || text[i] === '\r') lineStarts.push(i + 1);
  }
  const offset = (p) => Math.min((lineStarts[p.line] ?? text.length) + p.character, text.length);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

module.exports = { TestClient, CancellationTokenSource, copyFixture, applyEdits, repoRoot, serverDll, uriOf };
