'use strict';
// End-to-end: the real server process over stdio, driven by vscode-languageserver-protocol.
// Assertions are by rule id (ETL0000 syntax, ETL0007 = NULL): other rules may add diagnostics.

const { test, describe, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { TestClient, CancellationTokenSource, copyFixture, applyEdits } = require('../lib/client');

const clients = [];
async function start(options) {
  const workspace = copyFixture('lsp');
  const client = await TestClient.start(workspace, options);
  clients.push(client);
  return client;
}
after(async () => {
  for (const c of clients) await c.stop();
  for (const c of clients) fs.rmSync(c.workspace, { recursive: true, force: true });
});

const byRule = (params, rule) => params.diagnostics.filter((d) => d.code === rule);

describe('lifecycle', () => {
  test('initialize advertises what the server does', async () => {
    const client = await start();
    const caps = client.initializeResult.capabilities;
    assert.equal(client.initializeResult.serverInfo.name, 'etl-agent');
    assert.equal(caps.textDocumentSync.change, 2, 'incremental sync');
    assert.equal(caps.textDocumentSync.openClose, true);
    assert.ok(caps.codeLensProvider);
    assert.deepEqual(caps.codeActionProvider.codeActionKinds, ['quickfix', 'source.fixAll.etlAgent', 'refactor.rewrite']);
    assert.ok(caps.executeCommandProvider.commands.includes('etlAgent.showLineage'));
    assert.ok(caps.executeCommandProvider.commands.includes('etlAgent.showFindings'));
    // file watchers registered dynamically, so changes outside the editor reach the server
    await client.waitFor(() => client.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles'), 'watcher registration');
    assert.equal(await client.stop(), 0, 'exit code after shutdown + exit');
  });

  test('indexing reports work-done progress with percentages and ends', async () => {
    const client = await start();
    await client.waitForIndexed();
    await client.waitFor(() => client.progress.find((p) => p.value.kind === 'end'), 'progress end');
    const kinds = client.progress.map((p) => p.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.ok(client.progress.every((p) => p.value.kind === 'end' || typeof p.value.percentage === 'number'));
    await client.waitFor(() => client.logs.some((l) => /indexed \d+ files/.test(l.message)), 'the server log in window/logMessage');
    assert.equal(client.stderr.includes('Content-Length'), false);
  });
});

describe('diagnostics', () => {
  test('the whole workspace is reviewed after indexing: syntax error and = NULL', async () => {
    const client = await start();
    const load = await client.waitForDiagnostics(client.uri('procs/LoadCustomer.sql'), (p) => byRule(p, 'ETL0007').length > 0);
    const [d] = byRule(load, 'ETL0007');
    assert.equal(d.severity, 1);
    assert.equal(d.source, 'etl-agent');
    assert.deepEqual(d.range.start, { line: 9, character: 11 });
    assert.match(d.codeDescription.href, /ETL0007\.md$/);
    assert.equal(d.data.ruleId, 'ETL0007');
    assert.equal(d.data.fixes[0].edit.changes[client.uri('procs/LoadCustomer.sql')][0].newText, 'd.[Valid To] IS NULL');

    const broken = await client.waitForDiagnostics(client.uri('procs/Broken.sql'), (p) => byRule(p, 'ETL0000').length > 0);
    assert.equal(byRule(broken, 'ETL0000')[0].range.start.line, 3);
    const script = await client.waitForDiagnostics(client.uri('scripts/Cleanup.sql'), (p) => byRule(p, 'ETL0007').length > 0);
    assert.match(byRule(script, 'ETL0007')[0].message, /IS NOT NULL/);
  });

  test('an open document gets diagnostics with its version, and an edit re-checks it', async () => {
    const client = await start();
    const doc = client.open('procs/LoadCustomer.sql', undefined, 1);
    await client.waitForDiagnostics(doc.uri, (p) => p.version === 1 && byRule(p, 'ETL0007').length === 1);
    // add a second `= NULL` on line 15 (inside the NOT EXISTS)
    const line = doc.text.split('\n')[14];
    const at = line.indexOf('s.[Customer Code])') + 's.[Customer Code]'.length;
    await client.change(doc.uri, 2, [{ range: { start: { line: 14, character: at }, end: { line: 14, character: at } }, text: ' AND d.[Name] = NULL' }]);
    const after = await client.waitForDiagnostics(doc.uri, (p) => p.version === 2);
    assert.equal(byRule(after, 'ETL0007').length, 2);
  });
});

describe('code lenses and commands', () => {
  test('a procedure has a lineage lens and a findings lens whose commands work', async () => {
    const client = await start();
    const doc = client.open('procs/LoadCustomer.sql');
    await client.waitForDiagnostics(doc.uri, (p) => p.version === 1);
    const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: doc.uri } });
    const lineage = lenses.find((l) => l.command.command === 'etlAgent.showLineage');
    assert.ok(lineage, JSON.stringify(lenses));
    assert.equal(lineage.command.title, 'reads 2 tables · writes 1 table');
    assert.equal(lineage.range.start.line, 1);
    const findings = lenses.find((l) => l.command.command === 'etlAgent.showFindings');
    assert.match(findings.command.title, /^\d+ findings? \(\d+ errors?\)$/);

    const commands = client.initializeResult.capabilities.executeCommandProvider.commands;
    for (const lens of lenses) assert.ok(commands.includes(lens.command.command), `lens command ${lens.command.command} is a server command`);

    const result = await client.request('workspace/executeCommand', { command: lineage.command.command, arguments: lineage.command.arguments });
    assert.equal(result.name, 'Etl.LoadCustomer');
    assert.deepEqual(result.writes, ['Dim.Customer']);
    const shown = client.shownDocuments.at(-1);
    assert.match(shown.uri, /\.etl-agent\/lineage\/Etl\.LoadCustomer\.md$/);
    const page = fs.readFileSync(new URL(shown.uri), 'utf8');
    assert.match(page, /# Lineage of Etl\.LoadCustomer/);

    await client.request('workspace/executeCommand', { command: findings.command.command, arguments: findings.command.arguments });
    assert.deepEqual(client.shownDocuments.at(-1).selection.start, { line: 9, character: 11 });
  });

  test('etlAgent/pipelines returns the discover model and etlAgent/lineage one transformation', async () => {
    const client = await start();
    await client.waitForIndexed();
    const model = await client.request('etlAgent/pipelines', {});
    assert.deepEqual(Object.keys(model), ['transformations', 'tables', 'views', 'sequences', 'pipelines', 'diagnostics']);
    assert.ok(model.transformations.some((t) => t.name === 'Etl.LoadCustomer'));
    assert.ok(model.tables.some((t) => t.name === 'Staging.Customer'));
    const byPosition = await client.request('etlAgent/lineage', { textDocument: { uri: client.uri('procs/LoadCustomer.sql') }, position: { line: 12, character: 4 } });
    assert.equal(byPosition.name, 'Etl.LoadCustomer');
    const code = byPosition.columns.find((c) => c.target === 'Dim.Customer.Customer Code');
    assert.deepEqual(code.sources, ['Staging.Customer.Customer Code']);
    assert.equal(await client.request('etlAgent/lineage', { name: 'No.Such' }), null);
  });
});

describe('code actions', () => {
  test('a quick fix applied makes the diagnostic go away', async () => {
    const client = await start();
    let doc = client.open('procs/LoadCustomer.sql');
    const published = await client.waitForDiagnostics(doc.uri, (p) => p.version === 1 && byRule(p, 'ETL0007').length === 1);
    const diagnostic = byRule(published, 'ETL0007')[0];
    const actions = await client.request('textDocument/codeAction', {
      textDocument: { uri: doc.uri }, range: diagnostic.range, context: { diagnostics: [diagnostic], only: ['quickfix'] },
    });
    const fix = actions.find((a) => a.kind === 'quickfix');
    assert.equal(fix.title, 'Replace with IS NULL');
    assert.equal(fix.isPreferred, true);
    const edits = fix.edit.changes[doc.uri];
    const fixed = applyEdits(doc.text, edits);
    assert.match(fixed, /WHERE {2}d\.\[Valid To\] IS NULL;/);
    await client.change(doc.uri, 2, edits.map((e) => ({ range: e.range, text: e.newText })));
    const after = await client.waitForDiagnostics(doc.uri, (p) => p.version === 2);
    assert.equal(byRule(after, 'ETL0007').length, 0);
    assert.ok(!after.diagnostics.some((d) => d.code === 'ETL0000'), 'the fixed text still parses');
  });

  test('source.fixAll.etlAgent fixes every finding of the document', async () => {
    const client = await start();
    const text = 'UPDATE Staging.Customer SET [Name] = NULL WHERE [Name] = NULL OR [Valid To] <> NULL;\n';
    const doc = client.open('scripts/Two.sql', text);
    await client.waitForDiagnostics(doc.uri, (p) => byRule(p, 'ETL0007').length === 2);
    const actions = await client.request('textDocument/codeAction', {
      textDocument: { uri: doc.uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.etlAgent'] },
    });
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'source.fixAll.etlAgent');
    const fixed = applyEdits(text, actions[0].edit.changes[doc.uri]);
    assert.equal(fixed, 'UPDATE Staging.Customer SET [Name] = NULL WHERE [Name] IS NULL OR [Valid To] IS NOT NULL;\n');
  });
});

describe('incremental workspace', () => {
  test('a changed table definition in another file re-checks the procedure that reads it', async () => {
    const client = await start();
    const proc = client.uri('procs/LoadCustomer.sql');
    client.open('procs/LoadCustomer.sql');
    await client.waitForIndexed();
    await client.waitForDiagnostics(proc, (p) => p.version === 1);
    const before = await client.request('etlAgent/lineage', { name: 'Etl.LoadCustomer' });
    assert.deepEqual(before.columns.find((c) => c.target === 'Dim.Customer.Customer Code').sources, ['Staging.Customer.Customer Code']);

    // Reorder the staging table's columns on disk: `SELECT s.*` now feeds [Customer Code] from [Name].
    const table = path.join(client.workspace, 'tables', 'Staging.Customer.sql');
    fs.writeFileSync(table, 'CREATE TABLE Staging.Customer\n(\n    [Name] nvarchar(100) NULL,\n    [Customer Code] nvarchar(20) NOT NULL,\n    [Valid To] datetime2 NULL\n);\n');
    const seen = client.diagnosticCount(proc);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: client.uri('tables/Staging.Customer.sql'), type: 2 }] });
    await client.waitForDiagnostics(proc, () => true, { after: seen });
    const afterChange = await client.request('etlAgent/lineage', { name: 'Etl.LoadCustomer' });
    assert.deepEqual(afterChange.columns.find((c) => c.target === 'Dim.Customer.Customer Code').sources, ['Staging.Customer.Name']);
  });

  test('a deleted file loses its diagnostics', async () => {
    const client = await start();
    const uri = client.uri('procs/Broken.sql');
    await client.waitForDiagnostics(uri, (p) => byRule(p, 'ETL0000').length > 0);
    fs.rmSync(path.join(client.workspace, 'procs', 'Broken.sql'));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 3 }] });
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
  });
});

describe('robustness', () => {
  test('a cancelled request answers RequestCancelled and the server goes on', async () => {
    const client = await start();
    await client.waitForIndexed();
    // A big document keeps the analysis busy while etlAgent/pipelines waits for it; cancel the wait.
    const lines = ['CREATE PROCEDURE Etl.Big AS', 'BEGIN'];
    for (let i = 0; i < 3000; i++) lines.push(`    UPDATE Staging.Customer SET [Name] = N'x${i}' WHERE [Customer Code] = N'c${i}';`);
    lines.push('END', '');
    const doc = client.open('procs/Big.sql', lines.join('\n'));
    let cancelled = 0;
    for (let v = 2; v < 7 && cancelled === 0; v++) {
      await client.change(doc.uri, v, [{ range: { start: { line: 2, character: 4 }, end: { line: 2, character: 4 } }, text: ' ' }]);
      const source = new CancellationTokenSource();
      const pending = client.request('etlAgent/pipelines', {}, source.token);
      setTimeout(() => source.cancel(), 1);
      try { await pending; } catch (e) { if (e.code === -32800) cancelled++; else throw e; }
    }
    assert.ok(cancelled > 0, 'at least one request was cancelled');
    const model = await client.request('etlAgent/pipelines', {});
    assert.ok(model.transformations.some((t) => t.name === 'Etl.Big'));
  });

  test('malformed messages and bad params do not kill the server', async () => {
    const client = await start();
    await client.waitForIndexed();
    // not JSON at all
    client.writeRaw('Content-Length: 12\r\n\r\n{not json!!}');
    // JSON, but params of the wrong shape
    await assert.rejects(client.request('textDocument/codeLens', { textDocument: 42 }), (e) => typeof e.code === 'number');
    // an unknown method
    await assert.rejects(client.request('etlAgent/nope', {}), (e) => e.code === -32601);
    // an exception inside a handler: a command with missing arguments
    await assert.rejects(client.request('workspace/executeCommand', { command: 'etlAgent.showLineage', arguments: [] }), (e) => e.code === -32602);
    // a document that is not SQL at all
    const junk = client.open('procs/Junk.sql', '\u0000\u0001 ))) (((( CREATE CREATE PROCEDURE ;;; \uFFFF');
    await client.waitForDiagnostics(junk.uri, (p) => byRule(p, 'ETL0000').length > 0);
    // still alive and answering
    const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: client.uri('procs/LoadCustomer.sql') } });
    assert.ok(Array.isArray(lenses));
    assert.equal(client.proc.exitCode, null);
    assert.match(client.stderr, /malformed/);
  });
});

describe('sandbox tests from the editor', () => {
  test('a transformation with tests gets a "Run sandbox test" lens that runs them and reports', async () => {
    const client = await start();
    const doc = client.open('procs/CloseCustomers.sql');
    await client.waitForDiagnostics(doc.uri, (p) => p.version === 1);
    let lenses = await client.request('textDocument/codeLens', { textDocument: { uri: doc.uri } });
    const run = lenses.find((l) => l.command.command === 'etlAgent.runTests');
    assert.ok(run, JSON.stringify(lenses));
    assert.equal(run.command.title, '▶ Run sandbox test');
    assert.deepEqual(run.command.arguments, ['Etl.CloseCustomers']);
    // a procedure without tests has no such lens
    const other = await client.request('textDocument/codeLens', { textDocument: { uri: client.uri('procs/LoadCustomer.sql') } });
    assert.equal(other.some((l) => l.command.command === 'etlAgent.runTests'), false);

    const result = await client.request('workspace/executeCommand', { command: 'etlAgent.runTests', arguments: run.command.arguments });
    assert.equal(result.summary.passed, 1, JSON.stringify(result));
    assert.equal(result.summary.failed, 0);
    await client.waitFor(() => client.logs.some((l) => /PASS +Etl\.CloseCustomers › a customer missing/.test(l.message)), 'the case in the server log');
    lenses = await client.request('textDocument/codeLens', { textDocument: { uri: doc.uri } });
    assert.equal(lenses.find((l) => l.command.command === 'etlAgent.runTests').command.title, '✓ 1 test passed · run again');
  });

  test('a failing case becomes a diagnostic in its test file, and a green run clears it', async () => {
    const client = await start();
    const file = path.join(client.workspace, 'tests/etl/Etl.CloseCustomers.etltest.yaml');
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace('"Valid To": "2024-01-31T00:00:00"', '"Valid To": "2024-02-01T00:00:00"'));
    await client.waitForIndexed();
    const result = await client.request('workspace/executeCommand', { command: 'etlAgent.runTests', arguments: ['Etl.CloseCustomers'] });
    assert.equal(result.summary.failed, 1);
    const uri = client.uri('tests/etl/Etl.CloseCustomers.etltest.yaml');
    const failing = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
    assert.equal(failing.diagnostics[0].code, 'ETL0100');
    assert.match(failing.diagnostics[0].message, /closed as of the given time: Dim\.Customer: 1 missing, 1 unexpected/);

    fs.writeFileSync(file, good);
    const again = await client.request('workspace/executeCommand', { command: 'etlAgent.runTests', arguments: ['Etl.CloseCustomers'] });
    assert.equal(again.summary.passed, 1);
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
  });
});
