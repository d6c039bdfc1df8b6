'use strict';
// A client like Visual Studio's: no code lenses and no dynamic registration. The server offers each
// lens as a code action on the transformation's CREATE line, and the commands run through
// workspace/executeCommand.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { TestClient, copyFixture } = require('../lib/client');

const noLensCapabilities = {
  workspace: {
    didChangeWatchedFiles: { dynamicRegistration: false },
    applyEdit: true,
    workspaceEdit: { documentChanges: false },
    executeCommand: { dynamicRegistration: false },
    configuration: false,
  },
  window: { workDoneProgress: true, showDocument: { support: true } },
  textDocument: {
    synchronization: { didSave: true, dynamicRegistration: false },
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
    codeAction: { dynamicRegistration: false, codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'source'] } } },
  },
};

const clients = [];
after(async () => {
  for (const c of clients) await c.stop();
  for (const c of clients) fs.rmSync(c.workspace, { recursive: true, force: true });
});

async function start(capabilities) {
  const client = await TestClient.start(copyFixture('lsp'), { capabilities });
  clients.push(client);
  return client;
}

const actionsOver = (client, uri, fromLine, toLine) => client.request('textDocument/codeAction', {
  textDocument: { uri },
  range: { start: { line: fromLine, character: 0 }, end: { line: toLine, character: 0 } },
  context: { diagnostics: [] },
});

test('without code lenses, the lenses are code actions on the CREATE line, and their commands run', async () => {
  const client = await start(noLensCapabilities);
  assert.equal(client.registrations.length, 0, 'no dynamic registration is attempted');
  const doc = client.open('procs/CloseCustomers.sql');
  const published = await client.waitForDiagnostics(doc.uri, (p) => p.version === 1);
  assert.deepEqual(published.diagnostics, [], 'the procedure has no diagnostics: the actions are not quick fixes');
  const commands = client.initializeResult.capabilities.executeCommandProvider.commands;
  // the command list a client builds its menus from: every executable command, titled
  const announced = client.initializeResult.capabilities.experimental.etlAgent.commands;
  assert.deepEqual(announced.map((c) => c.id), [...commands].sort());
  for (const c of announced) assert.ok(c.title && c.title !== c.id && Array.isArray(c.arguments) && c.returns, JSON.stringify(c));

  // the first lines of the file: comment (0) and CREATE PROCEDURE (1)
  const actions = await actionsOver(client, doc.uri, 0, 2);
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes('Run sandbox tests (1)'), JSON.stringify(titles));
  assert.ok(titles.includes('Run mutation analysis'), JSON.stringify(titles));
  assert.ok(titles.some((t) => t.startsWith('Show lineage: reads ')), JSON.stringify(titles));
  for (const a of actions) {
    assert.ok(a.command, `${a.title} carries a command`);
    assert.ok(commands.includes(a.command.command), `${a.command.command} is a server command`);
    assert.equal(a.kind, undefined, 'a command, not a quick fix');
  }
  // the body of the procedure is not the header line: no lens actions there
  const body = await actionsOver(client, doc.uri, 5, 6);
  assert.equal(body.filter((a) => a.command).length, 0, JSON.stringify(body));

  const run = actions.find((a) => a.title === 'Run sandbox tests (1)');
  assert.deepEqual(run.command.arguments, ['Etl.CloseCustomers']);
  const result = await client.request('workspace/executeCommand', { command: run.command.command, arguments: run.command.arguments });
  assert.equal(result.summary.passed, 1, JSON.stringify(result));
  assert.equal(result.summary.failed, 0);

  // a transformation without tests offers to generate them, named
  const load = client.open('procs/LoadCustomer.sql');
  await client.waitForDiagnostics(load.uri, (p) => p.version === 1);
  const loadTitles = (await actionsOver(client, load.uri, 1, 1)).map((a) => a.title);
  assert.ok(loadTitles.includes('Generate tests for Etl.LoadCustomer'), JSON.stringify(loadTitles));
  assert.ok(loadTitles.some((t) => /^Go to findings: \d+ findings?/.test(t)), JSON.stringify(loadTitles));
});

test('a client with code lenses gets lenses, not the same commands twice as code actions', async () => {
  const client = await start({ ...noLensCapabilities, textDocument: { ...noLensCapabilities.textDocument, codeLens: { dynamicRegistration: false } } });
  const doc = client.open('procs/CloseCustomers.sql');
  await client.waitForDiagnostics(doc.uri, (p) => p.version === 1);
  const actions = await actionsOver(client, doc.uri, 0, 2);
  assert.equal(actions.filter((a) => a.command).length, 0, JSON.stringify(actions));
  const lenses = await client.request('textDocument/codeLens', { textDocument: { uri: doc.uri } });
  assert.ok(lenses.some((l) => l.command.command === 'etlAgent.runTests'));
});
