// Basics: the packaged extension activates in a real VS Code without error notifications, the
// Pipelines view lists the workspace's pipelines (as the engine discovers them), and the output
// channel shows the server's log.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { openSession, cli } = require('../lib/session');

describe('basics', () => {
  let s;
  before(async () => { s = await openSession('basics'); });
  after(async () => { await s?.close(); });

  test('the extension activates, indexes the workspace and shows no error notification', { timeout: 240_000 }, async () => {
    const status = await s.wb.waitForIndexed();
    const check = cli('check', s.workspace, '--format', 'json', '--fail-on', 'never');
    const files = cli('discover', s.workspace, '--format', 'json');
    assert.ok(status.includes(`${check.findings.length} findings`), `status item "${status}" vs ${check.findings.length} findings from etl-agent check`);
    assert.match(status, /ETL Agent: \d+ files/);
    assert.ok(files.transformations.length > 0);
    await s.wb.screenshot('activated');
    const notes = await s.wb.notifications();
    const errors = notes.filter((n) => n.severity === 'error');
    assert.deepEqual(errors, [], `error notifications: ${JSON.stringify(errors)}`);
  });

  test('the Pipelines view lists the pipelines the engine discovers, and a row opens its file', { timeout: 240_000 }, async () => {
    await s.wb.waitForIndexed();
    const model = cli('discover', s.workspace, '--format', 'json');
    const count = (n) => `${n} transformation${n === 1 ? '' : 's'}`;
    const [first, ...rest] = model.pipelines;
    assert.ok(rest.length > 0, 'the fixture has more than one pipeline');

    await s.wb.showPipelinesView();
    // Pipelines start expanded; the first one's members follow it (the list is virtualized: read what is on screen).
    let rows = await s.wb.pipelineRows();
    assert.equal(rows[0].level, 1);
    assert.equal(rows[0].label, first.id);
    assert.equal(rows[0].description, count(first.transformations.length));
    assert.equal(rows[1].label, first.transformations[0]);
    await s.wb.screenshot('pipelines-view');

    // Collapse the first pipeline: the others come into view, each with its member count.
    await s.wb.focusPipelinesView();
    await s.wb.page.keyboard.press('ArrowLeft');
    await s.wb.waitFor('the first pipeline to collapse', () =>
      document.querySelector('.pane:has(.pane-header[aria-label^="Pipelines"]) .monaco-list-row[aria-level="1"]')?.getAttribute('aria-expanded') === 'false');
    rows = await s.wb.pipelineRows();
    const top = rows.filter((r) => r.level === 1);
    assert.deepEqual(top.map((r) => [r.label, r.description]), model.pipelines.map((p) => [p.id, count(p.transformations.length)]));
    await s.wb.screenshot('pipelines-collapsed');

    // Expand it again and go to its last member (the tree only renders the rows on screen): the row opens its file.
    await s.wb.page.keyboard.press('ArrowRight');
    await s.wb.waitFor('the first pipeline to expand', () =>
      document.querySelector('.pane:has(.pane-header[aria-label^="Pipelines"]) .monaco-list-row[aria-level="1"]')?.getAttribute('aria-expanded') === 'true');
    const member = first.transformations.at(-1);
    const t = model.transformations.find((x) => x.name === member);
    await s.wb.clickPipelineRow(member);
    await s.wb.waitForActiveTab(t.file.split('/').pop());
    await s.wb.screenshot('pipeline-row-opens-file');
  });

  test('the ETL Agent output channel shows the server log', { timeout: 240_000 }, async () => {
    await s.wb.waitForIndexed();
    await s.wb.command('ETL Agent: Show Server Log');
    await s.wb.waitFor('the Output panel on the ETL Agent channel with the server log', () => {
      const text = [...document.querySelectorAll('.part.panel .monaco-editor .view-lines .view-line')].map((e) => e.textContent).join('\n');
      return /indexed \d+ files/.test(text.replace(/\u00a0/g, ' '));
    });
    const text = await s.wb.outputText();
    assert.match(text, /indexed \d+ files/);
    await s.wb.screenshot('server-log');
  });
});
