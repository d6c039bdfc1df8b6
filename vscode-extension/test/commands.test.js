'use strict';
// The commands the extension contributes for the full run and test generation, and the pure
// helpers the extension wraps them with (src/commands.ts).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { announcedCommands, documentSelector, progressStep, progressTitle, refreshesPipelines, servedDocuments, serves, globTest, withCursorArguments } = require('../out/commands.js');

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
const serverCommands = fs.readFileSync(path.join(__dirname, '..', '..', 'server', 'src', 'EtlAgent.LanguageServer', 'Handlers', 'Commands', 'ServerCommands.cs'), 'utf8');

test('the palette shows "ETL Agent: Full Run", which is a server command', () => {
  const fullRun = manifest.contributes.commands.find((c) => c.command === 'etlAgent.fullRun');
  assert.deepEqual(fullRun, { command: 'etlAgent.fullRun', title: 'Full Run', category: 'ETL Agent' });
  const hidden = (id) => manifest.contributes.menus.commandPalette.some((m) => m.command === id && m.when === 'false');
  assert.equal(hidden('etlAgent.fullRun'), false, 'Full Run is in the palette');
  // the commands that need an argument (a lens or code action supplies it) stay out of the palette
  assert.ok(hidden('etlAgent.generateTests'));
  assert.ok(hidden('etlAgent.acceptExpectations'));
  for (const [command, cls] of [['etlAgent.fullRun', 'FullRunCommand'], ['etlAgent.generateTests', 'GenerateTestsCommand'], ['etlAgent.acceptExpectations', 'AcceptExpectationsCommand']]) {
    assert.ok(manifest.contributes.commands.some((c) => c.command === command), `${command} contributed`);
    assert.match(serverCommands, new RegExp(`new ${cls}\\(server\\)`), `${command} is registered in the server's ServerCommands`);
  }
});

test('the palette shows "ETL Agent: Run Mutation Analysis" in SQL files, a server command with a progress notification', () => {
  assert.deepEqual(manifest.contributes.commands.find((c) => c.command === 'etlAgent.mutate'), { command: 'etlAgent.mutate', title: 'Run Mutation Analysis', category: 'ETL Agent' });
  assert.ok(manifest.contributes.menus.commandPalette.some((m) => m.command === 'etlAgent.mutate' && m.when === 'editorLangId == sql'));
  assert.match(serverCommands, /new MutateCommand\(server\)/);
});

test('the documents that go to the server are the ones its initialize result announces, test files (YAML) included', () => {
  // the client registers broadly; what passes is decided by the server's announcement
  assert.ok(documentSelector.some((s) => s.scheme === 'file' && !s.language && !s.pattern));
  const announced = servedDocuments({ etlAgent: { sourceKinds: [{ name: 'T-SQL', languageIds: ['sql'], filePatterns: ['**/*.sql'] }], testFilePatterns: ['**/*.etltest.yaml'] } });
  assert.deepEqual(announced, { languageIds: ['sql'], patterns: ['**/*.sql', '**/*.etltest.yaml'] });
  assert.equal(serves(announced, { languageId: 'sql', fileName: '/ws/dbo/Load.sql' }), true);
  assert.equal(serves(announced, { languageId: 'plaintext', fileName: '/ws/dbo/LOAD.SQL' }), true, 'by file name, whatever the language mode');
  assert.equal(serves(announced, { languageId: 'yaml', fileName: '/ws/tests/etl/Dim.Load.etltest.yaml' }), true);
  assert.equal(serves(announced, { languageId: 'yaml', fileName: '/ws/.github/ci.yaml' }), false);
  assert.equal(serves(announced, { languageId: 'json', fileName: '/ws/package.json' }), false);
  assert.equal(serves(announced, { languageId: 'sql', fileName: 'Untitled-1', isUntitled: true }), true);
  assert.equal(serves(undefined, { languageId: 'sql', fileName: '/ws/a.sql' }), false, 'nothing before the server answered');
  assert.equal(serves(servedDocuments(undefined), { languageId: 'sql', fileName: '/ws/a.sql' }), false, 'an older server announces nothing');
  // a second source kind needs no client change
  const more = servedDocuments({ etlAgent: { sourceKinds: [{ languageIds: ['sql'], filePatterns: ['**/*.sql'] }, { languageIds: ['xml'], filePatterns: ['**/*.dtsx'] }] } });
  assert.equal(serves(more, { languageId: 'xml', fileName: '/ws/pkg/Load.dtsx' }), true);
  assert.equal(globTest('**/*.sql')('C:\\ws\\a.sql'), true);
  assert.equal(globTest('**/*.sql')('/ws/a.sqlx'), false);
  assert.ok(manifest.activationEvents.includes('workspaceContains:**/*.etltest.yaml'));
});

// what an initialize result announces (the server's list itself is checked against package.json in
// tests/EtlAgent.LanguageServer.Tests/ExtensionCommandsTests.cs)
const announced = announcedCommands({ etlAgent: { commands: [
  { id: 'etlAgent.fullRun', title: 'Full Run', arguments: [], cursor: false, progress: true, changesWorkspace: true, returns: 'FullRunResult' },
  { id: 'etlAgent.mutate', title: 'Run Mutation Analysis', arguments: [{ name: 'transformation', type: 'string', description: '' }], cursor: true, progress: true, changesWorkspace: false, returns: 'MutationResult' },
  { id: 'etlAgent.generateTests', title: 'Generate Tests', arguments: [], cursor: true, progress: false, changesWorkspace: true, returns: 'GenerateTestsResult' },
  { id: 'etlAgent.showLineage', title: 'Show Lineage', arguments: [], cursor: false, progress: false, changesWorkspace: false, returns: 'Lineage' },
] } });

test('how a command runs comes from the announced list: progress title, Pipelines refresh, cursor arguments', () => {
  assert.equal(progressTitle(announced, 'etlAgent.fullRun'), 'ETL Agent: Full Run');
  assert.equal(progressTitle(announced, 'etlAgent.mutate'), 'ETL Agent: Run Mutation Analysis');
  assert.equal(progressTitle(announced, 'etlAgent.showLineage'), undefined);
  assert.equal(refreshesPipelines(announced, 'etlAgent.fullRun'), true);
  assert.equal(refreshesPipelines(announced, 'etlAgent.generateTests'), true);
  assert.equal(refreshesPipelines(announced, 'etlAgent.showLineage'), false);
  const editor = { uri: 'file:///ws/procs/Load.sql', line: 7 };
  assert.deepEqual(withCursorArguments(announced, 'etlAgent.mutate', [], editor), ['file:///ws/procs/Load.sql', 7]);
  assert.deepEqual(withCursorArguments(announced, 'etlAgent.mutate', ['Etl.Load'], editor), ['Etl.Load'], 'a lens\'s name is kept');
  assert.deepEqual(withCursorArguments(announced, 'etlAgent.showLineage', [], editor), []);
  assert.deepEqual(withCursorArguments(announced, 'etlAgent.mutate', [], undefined), []);
  // an older server announces nothing: commands run plainly
  const none = announcedCommands({ etlAgent: {} });
  assert.equal(progressTitle(none, 'etlAgent.fullRun'), undefined);
  assert.equal(refreshesPipelines(none, 'etlAgent.fullRun'), false);
});

test('server progress becomes notification increments that never go back', () => {
  let s = progressStep({ kind: 'begin', message: 'discovering', percentage: 0 }, 0);
  assert.deepEqual(s, { message: 'discovering', increment: undefined, percentage: 0 });
  s = progressStep({ kind: 'report', message: 'running 3 test cases', percentage: 60 }, s.percentage);
  assert.equal(s.increment, 60);
  s = progressStep({ kind: 'report', message: 'late report', percentage: 40 }, s.percentage);
  assert.equal(s.increment, undefined);
  assert.equal(s.percentage, 60);
  s = progressStep({ kind: 'end', message: '3 passed, 0 failed' }, s.percentage);
  assert.equal(s.percentage, 60);
});
