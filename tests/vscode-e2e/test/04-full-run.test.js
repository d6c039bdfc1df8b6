// Flow 4, command-palette full run: "ETL Agent: Full Run" shows a progress notification, ends
// with "ETL Agent: Full Run: N passed, M failed · K findings", and then the Problems panel shows
// the failing case in its test file and the Pipelines view leads to procedures whose lenses carry
// the run's results. One expectation is made wrong first (as a user editing a test would), so
// the run has a failure to show.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { openSession, cli } = require('../lib/session');

const BROKEN_TEST = 'tests/etl/Dim.LoadSupplier.etltest.yaml';
const RIGHT = '"Supplier Code": "S-1", "Supplier Name": "Contoso Ltd", "Payment Days": 45,';
const WRONG = '"Supplier Code": "S-1", "Supplier Name": "Contoso Ltd", "Payment Days": 46,';

describe('full run', () => {
  let s;
  before(async () => {
    s = await openSession('full-run');
    const file = path.join(s.workspace, BROKEN_TEST);
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text.split(RIGHT).length, 2, `${BROKEN_TEST} holds the expectation this flow changes`);
    fs.writeFileSync(file, text.replace(RIGHT, WRONG));
  });
  after(async () => { await s?.close(); });

  test('"ETL Agent: Full Run" from the palette shows progress and ends with its summary', { timeout: 600_000 }, async () => {
    const model = cli('discover', s.workspace, '--format', 'json');
    const findings = cli('check', s.workspace, '--format', 'json', '--fail-on', 'never').findings;
    await s.wb.waitForIndexed();
    // Record every notification the run shows: the progress one may be short-lived on a fast machine.
    await s.wb.page.evaluate(() => {
      window.__notifications = [];
      const seen = () => {
        for (const toast of document.querySelectorAll('.notifications-toasts .notification-toast')) {
          const message = toast.querySelector('.notification-list-item-message')?.textContent || '';
          const progress = !!toast.querySelector('.monaco-progress-container.active, .monaco-progress-container.infinite, .monaco-progress-container.discrete');
          const source = toast.querySelector('.notification-list-item-source')?.textContent || '';
          if (!window.__notifications.some((n) => n.message === message && n.progress === progress)) window.__notifications.push({ message, progress, source });
        }
      };
      new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await s.wb.command('ETL Agent: Full Run');
    await s.wb.waitFor('a progress notification for the Full Run', () =>
      window.__notifications.some((n) => n.progress && /Full Run/.test(n.message + n.source)), undefined, 120_000);
    await s.wb.screenshot('progress');

    // The progress notification reads "ETL Agent: Full Run: <step>"; the summary is the information message after it.
    const message = await s.wb.waitForNotification(/^ETL Agent: Full Run: \d+ passed, \d+ failed/, 420_000);
    const m = message.match(/^ETL Agent: Full Run: (\d+) passed, (\d+) failed · (\d+) findings?/);
    assert.ok(m, `summary message: ${message}`);
    assert.equal(Number(m[2]), 1, 'the one expectation made wrong fails');
    assert.ok(Number(m[1]) > 0);
    assert.equal(Number(m[3]), findings.length, 'the run reports the findings etl-agent check reports');
    await s.wb.screenshot('summary');

    // Problems: the failing case, in its test file, besides the rule findings.
    await s.wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    const filter = s.wb.page.locator('.part.panel input[aria-label="Filter Problems"]');
    await filter.click();
    await filter.fill('ETL0100');
    await s.wb.waitFor('the failing case in the Problems panel', (file) => {
      const rows = [...document.querySelectorAll('.markers-panel .monaco-list-row')];
      return rows.some((r) => (r.querySelector('.file-icon')?.getAttribute('aria-label') || '').endsWith(file))
        && rows.some((r) => r.querySelector('.marker-code')?.textContent === 'ETL0100');
    }, BROKEN_TEST);
    // the panel's filter is fuzzy text over message, code and source: keep the rows of the failing-case rule
    const failing = (await s.wb.problems()).filter((r) => r.kind === 'marker' && r.code === 'ETL0100');
    assert.equal(failing.length, 1, JSON.stringify(failing));
    assert.equal(failing[0].severity, 'error');
    assert.match(failing[0].message, /updates changed suppliers/);
    await s.wb.screenshot('problems');
    await filter.fill('');

    // Pipelines: still the engine's pipelines after the refresh; a procedure reached from the view
    // shows the run's result in its lens (Dim.LoadSupplier: its failing case).
    await s.wb.showPipelinesView();
    const rows = await s.wb.pipelineRows();
    assert.equal(rows[0].label, model.pipelines[0].id);
    const supplier = model.transformations.find((x) => x.name === 'Dim.LoadSupplier');
    await s.wb.clickPipelineRow(supplier.name);
    await s.wb.waitForActiveTab(path.basename(supplier.file));
    await s.wb.waitForCodeLens(/^✗ 1 of \d+ tests? failed · run again$/);
    await s.wb.screenshot('pipelines-and-lens');
  });
});
