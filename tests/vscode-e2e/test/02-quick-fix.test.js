// Flow 2, quick-fix apply: a procedure with a known defect shows the squiggle; Ctrl+. offers the
// engine's fix; applying it changes the text as the fix says, and the diagnostic goes away.
//
// Then the heal flow: a bug seeded in a procedure (its UPDATE loses the current-row filter), its
// tests run from the lens, Ctrl+. on the statement offers the engine's verified heal (the one
// `etl-agent heal` lists first, titled with its evidence); applying it edits the code and re-runs
// the tests, and the lens reads all passed.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { openSession, cli } = require('../lib/session');
const fs = require('node:fs');
const path = require('node:path');

/** The fixed line: the fix's single-line edits applied to the original line (1-based columns, as the CLI reports). */
function fixedLine(original, edits, line) {
  let text = original;
  for (const e of [...edits].sort((a, b) => b.range.startColumn - a.range.startColumn)) {
    assert.equal(e.range.startLine, line);
    assert.equal(e.range.endLine, line, 'this flow checks single-line fixes');
    text = text.slice(0, e.range.startColumn - 1) + e.newText + text.slice(e.range.endColumn - 1);
  }
  return text;
}

describe('quick fix', () => {
  let s;
  let findings;
  before(async () => {
    s = await openSession('quick-fix');
    findings = cli('check', s.workspace, '--format', 'json', '--fail-on', 'never').findings;
    await s.wb.waitForIndexed();
  });
  after(async () => { await s?.close(); });

  for (const [ruleId, file, severity] of [
    ['ETL0007', 'Procedures/Dim/Dim.LoadEmployee.sql', 'error'],
    ['ETL0011', 'Procedures/Etl/Etl.StartRun.sql', 'warning'],
  ]) {
    test(`${ruleId} in ${path.basename(file)}: squiggle, Ctrl+. applies the fix, the diagnostic goes away`, { timeout: 240_000 }, async () => {
      const finding = findings.find((f) => f.ruleId === ruleId && f.file === file);
      assert.ok(finding, `etl-agent check reports ${ruleId} in ${file}`);
      assert.equal(finding.severity, severity);
      const [fix] = finding.fixes;
      assert.ok(fix, `${ruleId} carries a fix`);
      const line = finding.range.startLine;
      const original = fs.readFileSync(path.join(s.workspace, file), 'utf8').split(/\r?\n/)[line - 1];
      const expected = fixedLine(original, fix.edits, line);
      const step = ruleId.toLowerCase();

      await s.wb.openFile(file);
      await s.wb.waitFor(`a ${severity} squiggle on line ${line}`, ({ severity, line }) => {
        const margin = [...document.querySelectorAll('.editor-group-container.active .monaco-editor .margin-view-overlays > div')];
        return [...document.querySelectorAll(`.editor-group-container.active .monaco-editor .view-overlays .squiggly-${severity}`)].some((sq) => {
          const row = margin.find((d) => d.style.top === sq.parentElement.style.top);
          return row && parseInt(row.textContent, 10) === line;
        });
      }, { severity, line });
      await s.wb.waitForLine(line, new RegExp(escape(original.trim())));
      await s.wb.screenshot(`${step}-squiggle`);

      const before = await s.wb.problemCounts();
      await s.wb.goTo(line, finding.range.startColumn);
      const offered = await s.wb.quickFix(fix.title);
      assert.ok(offered.includes(fix.title));

      await s.wb.waitForLine(line, new RegExp(`^${escape(expected)}$`));
      await s.wb.waitFor(`the ${severity} squiggle on line ${line} to go away`, ({ severity, line }) => {
        const margin = [...document.querySelectorAll('.editor-group-container.active .monaco-editor .margin-view-overlays > div')];
        return ![...document.querySelectorAll(`.editor-group-container.active .monaco-editor .view-overlays .squiggly-${severity}`)].some((sq) => {
          const row = margin.find((d) => d.style.top === sq.parentElement.style.top);
          return row && parseInt(row.textContent, 10) === line;
        });
      }, { severity, line });
      const squiggles = await s.wb.squiggles();
      assert.ok(!squiggles.some((q) => q.line === line), `squiggles left on line ${line}: ${JSON.stringify(squiggles)}`);
      // Exactly one problem of that severity less in the workspace, and no new error (the fixed text still parses).
      const want = { ...before, [severity]: before[severity] - 1 };
      await s.wb.waitFor(`the status bar to count ${JSON.stringify(want)}`, (w) => {
        const label = [...document.querySelectorAll('.statusbar-item')].map((e) => e.getAttribute('aria-label') || '').find((l) => /^Errors: \d+/.test(l)) || '';
        return label === `Errors: ${w.error}, Warnings: ${w.warning}, Infos: ${w.information}`;
      }, want);
      await s.wb.screenshot(`${step}-fixed`);
    });
  }

  test('a verified heal of a failing sandbox test is a quick fix on the statement; applying it turns the tests green', { timeout: 420_000 }, async () => {
    const file = 'Procedures/Dim/Dim.LoadCustomer.sql';
    const full = path.join(s.workspace, file);
    const text = fs.readFileSync(full, 'utf8');
    const nl = text.includes('\r\n') ? '\r\n' : '\n';
    const filter = `${nl}        WHERE d.[Valid To] = @EndOfTime;`;
    assert.equal(text.split(filter).length, 2, `${file} holds the UPDATE's current-row filter`);
    fs.writeFileSync(full, text.replace(filter, ';'));

    // what the engine offers for it, as the CLI lists it
    const heal = cli('heal', s.workspace, '--format', 'json').suggestions.find((x) => x.kind === 'code' && x.file === file);
    assert.ok(heal, 'etl-agent heal offers a verified code heal');
    assert.equal(heal.class, 'scd2-current-row');
    const title = `Heal: ${heal.title} (verified: ${heal.verified.casesPassed}/${heal.verified.casesTotal} cases, ${heal.verified.newFindings} new findings)`;
    const line = heal.edits[0].range.startLine;

    await s.wb.openFile(file);
    await s.wb.clickCodeLens(/^▶ Run sandbox test$|· run again$/);
    await s.wb.waitForCodeLens(/^✗ \d+ of \d+ tests failed · run again$/, 240_000);
    await s.wb.screenshot('heal-failing');
    // the heal search runs after the tests; its diagnostic marks the statement (brought on screen first)
    const seeded = fs.readFileSync(full, 'utf8').split(/\r?\n/)[line - 1];
    const column = seeded.length - seeded.trimStart().length + 1;
    await s.wb.goTo(line, column);
    await s.wb.waitFor(`an information squiggle on line ${line}`, (line) => {
      const margin = [...document.querySelectorAll('.editor-group-container.active .monaco-editor .margin-view-overlays > div')];
      return [...document.querySelectorAll('.editor-group-container.active .monaco-editor .view-overlays [class*="squiggly-info"]')].some((sq) => {
        const row = margin.find((d) => d.style.top === sq.parentElement.style.top);
        return row && parseInt(row.textContent, 10) === line;
      });
    }, line, 120_000);
    await s.wb.goTo(line, column);
    const offered = await s.wb.quickFix(title);
    assert.ok(offered.includes(title));
    await s.wb.waitForLine(line + 1, /^\s*WHERE d\.\[Valid To\] = @EndOfTime;$/);
    // the action's command re-ran the tests on the healed text: the lens above the procedure says so
    await s.wb.goTo(1, 1);
    const lens = await s.wb.waitForCodeLens(/^✓ \d+ tests? passed · run again$/, 240_000);
    assert.match(lens, /^✓ \d+ tests? passed · run again$/);
    await s.wb.screenshot('heal-applied');
  });
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
