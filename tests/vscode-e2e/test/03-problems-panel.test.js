// Flow 3, Problems-panel review: after indexing, the Problems panel lists the workspace's findings
// (the same ones `etl-agent check` reports) with their rule ids, and clicking one opens its file at
// the finding's position.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { openSession, cli } = require('../lib/session');

describe('problems panel', () => {
  let s;
  let report;
  before(async () => {
    s = await openSession('problems');
    report = cli('check', s.workspace, '--format', 'json', '--fail-on', 'never');
  });
  after(async () => { await s?.close(); });

  test('the Problems panel lists every finding with its rule id', { timeout: 240_000 }, async () => {
    await s.wb.waitForIndexed();
    const bySeverity = (sev) => report.findings.filter((f) => f.severity === sev).length;
    const want = { error: bySeverity('error'), warning: bySeverity('warning'), information: bySeverity('information') };
    await s.wb.waitFor(`the status bar to count ${JSON.stringify(want)}`, (w) =>
      [...document.querySelectorAll('.statusbar-item')].some((e) => e.getAttribute('aria-label') === `Errors: ${w.error}, Warnings: ${w.warning}, Infos: ${w.information}`), want);

    await s.wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    await s.wb.waitFor('the Problems panel to list findings', () => document.querySelectorAll('.markers-panel .monaco-list-row').length > 0);
    const tab = await s.wb.page.getAttribute('.part.panel .action-label[aria-label^="Problems"]', 'aria-label');
    assert.match(tab, new RegExp(`Total ${report.findings.length} Problems`), 'the Problems tab counts the findings etl-agent check reports');

    // The list is virtualized: check the rows on screen. Each finding names its rule as its code, from etl-agent.
    const markers = (await s.wb.problems()).filter((r) => r.kind === 'marker');
    assert.ok(markers.length >= 3, `findings on screen: ${JSON.stringify(markers)}`);
    const ruleIds = new Set(report.findings.map((f) => f.ruleId));
    for (const m of markers) {
      assert.equal(m.source, 'etl-agent');
      assert.match(m.code, /^ETL\d{4}$/);
      assert.ok(ruleIds.has(m.code), `${m.code} is a rule etl-agent check reports here`);
      const f = report.findings.find((x) => x.ruleId === m.code && m.at === `[Ln ${x.range.startLine}, Col ${x.range.startColumn}]`);
      assert.ok(f, `the finding ${m.code} ${m.at} is one etl-agent check reports`);
      assert.equal(m.message, f.message);
    }
    const shown = markers.map((m) => m.code);
    // Files with errors come first, their errors first: the first finding is one of the engine's errors.
    const errors = report.findings.filter((f) => f.severity === 'error').map((f) => f.ruleId);
    assert.ok(errors.includes(shown[0]), `first finding ${shown[0]} is an error (${errors})`);
    await s.wb.screenshot('panel');
  });

  test('filtering by rule id and clicking the finding opens its file at the position', { timeout: 240_000 }, async () => {
    // A warning far down the list, so the click has to come from the filtered panel.
    const target = report.findings.find((f) => f.ruleId === 'ETL0012');
    assert.ok(target, 'etl-agent check reports ETL0012 in the fixture');
    await s.wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    const filter = s.wb.page.locator('.part.panel input[aria-label="Filter Problems"]');
    await filter.click();
    await filter.fill(target.ruleId);
    await s.wb.waitFor(`the Problems panel to show only ${target.ruleId}`, (id) => {
      const codes = [...document.querySelectorAll('.markers-panel .monaco-list-row .marker-code')].map((c) => c.textContent);
      return codes.length === 1 && codes[0] === id;
    }, target.ruleId);
    await s.wb.screenshot('filtered');

    await s.wb.page.locator('.markers-panel .monaco-list-row:has(.marker-code) .marker-message').first().click();
    await s.wb.waitForActiveTab(path.basename(target.file));
    // The finding's range is selected (the cursor at its end), as the engine reports it.
    const { startLine, startColumn, endLine, endColumn } = target.range;
    assert.equal(startLine, endLine, 'a single-line finding');
    await s.wb.waitForCursor(endLine, endColumn, endColumn - startColumn);
    await s.wb.waitFor(`line ${startLine} to be the current line`, (line) => {
      const current = document.querySelector('.editor-group-container.active .monaco-editor .margin-view-overlays .current-line');
      return current && parseInt(current.parentElement.textContent, 10) === line;
    }, startLine);
    await s.wb.screenshot('navigated');
  });
});
