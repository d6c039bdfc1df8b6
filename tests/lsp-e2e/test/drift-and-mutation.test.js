'use strict';
// End-to-end: schema drift in a test file (diagnostic + "Update test to the new schema" applied)
// and mutation survivors as information diagnostics (etlAgent.mutate), on a copy of tests/fixtures/lsp.

const { test, describe, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { TestClient, copyFixture, applyEdits } = require('../lib/client');

const clients = [];
async function start(prepare) {
  const workspace = copyFixture('lsp');
  if (prepare) prepare(workspace);
  const client = await TestClient.start(workspace);
  clients.push(client);
  return client;
}
after(async () => {
  for (const c of clients) await c.stop();
  for (const c of clients) fs.rmSync(c.workspace, { recursive: true, force: true });
});

const TEST_FILE = 'tests/etl/Etl.CloseCustomers.etltest.yaml';
const drift = (p) => p.diagnostics.filter((d) => d.code === 'ETL0102');
const survivors = (p) => p.diagnostics.filter((d) => d.code === 'ETL0103');

function openYaml(client, relative) {
  const uri = client.uri(relative);
  const text = fs.readFileSync(path.join(client.workspace, relative), 'utf8');
  client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  return { uri, text };
}

describe('tests follow the schema', () => {
  test('a renamed staging column puts the test file out of date; the quick fix updates it and the test passes', async () => {
    const client = await start();
    await client.waitForIndexed();
    const doc = openYaml(client, TEST_FILE);
    // a test file is not SQL: opening it gives no syntax errors, and it matches the schema
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((client.diagnostics.get(doc.uri) || []).flatMap((p) => p.diagnostics).length, 0);

    // the extract renames [Name] to [Customer Name]; the table file changes on disk
    const table = path.join(client.workspace, 'tables/Staging.Customer.sql');
    fs.writeFileSync(table, fs.readFileSync(table, 'utf8').replace('[Name]         ', '[Customer Name]'));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: client.uri('tables/Staging.Customer.sql'), type: 2 }] });
    const published = await client.waitForDiagnostics(doc.uri, (p) => drift(p).length > 0, { timeoutMs: 30000 });
    const [d] = drift(published);
    assert.equal(d.severity, 1);
    assert.equal(d.source, 'etl-agent');
    assert.deepEqual(d.range.start, { line: 8, character: 35 }, 'at the [Name] key of the staging row');
    assert.match(d.message, /^out of date with the schema: Staging\.Customer has no column \[Name\], and \[Customer Name\] \(nvarchar\(100\)\), which this file never names, takes its values: renamed, it seems/);

    const actions = await client.request('textDocument/codeAction', {
      textDocument: { uri: doc.uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] },
    });
    const fix = actions.find((a) => a.title === 'Update test to the new schema');
    assert.ok(fix, `actions: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(fix.kind, 'quickfix');
    const updated = applyEdits(doc.text, fix.edit.changes[doc.uri]);
    assert.match(updated, /Staging\.Customer:\n\s+- \{"Customer Code": "C-1", "Customer Name": "Ann"\}/);
    assert.match(updated, /Dim\.Customer:\n\s+- \{"Customer Code": "C-1", "Name": "Ann"\}/, 'the dimension keeps [Name]');

    // applied by the user: the diagnostic goes, and the updated test passes
    const before = client.diagnosticCount(doc.uri);
    await client.change(doc.uri, 2, [{ text: updated }]);
    await client.waitForDiagnostics(doc.uri, (p) => drift(p).length === 0, { after: before });
    fs.writeFileSync(path.join(client.workspace, TEST_FILE), updated);
    const run = await client.request('workspace/executeCommand', { command: 'etlAgent.runTests', arguments: ['Etl.CloseCustomers'] });
    assert.deepEqual([run.summary.passed, run.summary.failed, run.summary.errors], [1, 0, 0], JSON.stringify(run));
  });
});

describe('mutation survivors', () => {
  test('etlAgent.mutate publishes a survivor on the mutated line with an explanation, and an edit clears it', async () => {
    // the test no longer compares [Valid To]: deleting `d.[Valid To] = @AsOf` survives
    const client = await start((ws) => {
      const file = path.join(ws, TEST_FILE);
      const text = fs.readFileSync(file, 'utf8')
        .replace('columns: ["Customer Code", "Is Current", "Valid To"]', 'columns: ["Customer Code", "Is Current"]')
        .replace(', "Valid To": null}', '}').replace(', "Valid To": "2024-01-31T00:00:00"}', '}');
      fs.writeFileSync(file, text);
    });
    await client.waitForIndexed();
    const proc = client.uri('procs/CloseCustomers.sql');
    const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: proc } });
    const lens = lenses.find((l) => l.command.command === 'etlAgent.mutate');
    assert.ok(lens, `lenses: ${lenses.map((l) => l.command.title).join(', ')}`);
    assert.equal(lens.command.title, 'Mutation analysis');

    const progressBefore = client.progress.length;
    const result = await client.request('workspace/executeCommand', { command: 'etlAgent.mutate', arguments: lens.command.arguments });
    assert.equal(result.survived, 1, JSON.stringify(result));
    assert.ok(result.mutants >= 10);
    const published = await client.waitForDiagnostics(proc, (p) => survivors(p).length > 0);
    const [s] = survivors(published);
    assert.equal(s.severity, 3, 'information');
    assert.equal(s.range.start.line, 8, 'the SET clause line (0-based)');
    assert.equal(s.message, 'a test suite that passes without `d.[Valid To] = @AsOf` does not check the column it sets (surviving mutant: SET clause deleted)');
    const kinds = client.progress.slice(progressBefore).map((p) => p.value.kind);
    assert.equal(kinds[0], 'begin');
    assert.ok(client.progress.slice(progressBefore).some((p) => p.value.kind === 'begin' && p.value.cancellable === true));
    assert.equal(kinds[kinds.length - 1], 'end');

    // editing the procedure clears its survivors
    const doc = client.open('procs/CloseCustomers.sql');
    const count = client.diagnosticCount(proc);
    await client.change(proc, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '-- edited\n' }]);
    await client.waitForDiagnostics(proc, (p) => p.version === 2 && survivors(p).length === 0, { after: count });
    assert.ok(doc.text.length > 0);
  });

  test('the palette form (document and cursor line) finds the procedure, and cancelling the progress stops the run', async () => {
    // a counting loop makes every run of the procedure take seconds, so the cancel always arrives
    // mid-run (the 16 mutants of the plain procedure can all finish before it does)
    const client = await start((ws) => {
      const file = path.join(ws, 'procs/CloseCustomers.sql');
      const text = fs.readFileSync(file, 'utf8')
        .replace('SET NOCOUNT ON;', 'SET NOCOUNT ON;\n    DECLARE @Spin int = 0;\n    WHILE @Spin < 2000000 SET @Spin += 1;');
      fs.writeFileSync(file, text);
    });
    await client.waitForIndexed();
    const proc = client.uri('procs/CloseCustomers.sql');
    const before = client.progress.length;
    const pending = client.request('workspace/executeCommand', { command: 'etlAgent.mutate', arguments: [proc, 10] });
    const begin = await client.waitFor(() => client.progress.slice(before).find((p) => p.value.kind === 'begin'), 'progress begin');
    assert.match(begin.value.title, /Etl\.CloseCustomers/);
    await client.connection.sendNotification('window/workDoneProgress/cancel', { token: begin.token });
    const result = await pending;
    assert.deepEqual(result, { cancelled: true });
    await client.waitFor(() => client.progress.slice(before).find((p) => p.token === begin.token && p.value.kind === 'end'), 'progress end');
  });
});
