// Flow 1, code-lens test generation: a procedure that writes tables and has no test file shows
// "Generate tests"; clicking it writes tests/etl/<Schema>.<Name>.etltest.yaml, which opens (and
// shows in the Explorer) with "Accept recorded expectations"; back in the procedure the
// "▶ Run sandbox test" lens runs the new tests and then shows their result.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { openSession, cli } = require('../lib/session');

const PROCEDURE = 'Dim.LoadCity';

describe('code-lens test generation', () => {
  let s;
  let t;
  before(async () => {
    s = await openSession('generate');
    t = cli('discover', s.workspace, '--format', 'json').transformations.find((x) => x.name === PROCEDURE);
  });
  after(async () => { await s?.close(); });

  test(`"Generate tests" above ${PROCEDURE} writes and opens its test file, which offers "Accept recorded expectations"`, { timeout: 300_000 }, async () => {
    assert.ok(t && t.writes.length > 0, `${PROCEDURE} is a procedure that writes tables`);
    const testFile = `tests/etl/${PROCEDURE}.etltest.yaml`;
    assert.equal(fs.existsSync(path.join(s.workspace, testFile)), false, `${testFile} does not exist yet`);
    await s.wb.waitForIndexed();

    await s.wb.openFile(t.file);
    await s.wb.waitForCodeLens(/^Generate tests$/);
    assert.equal((await s.wb.codeLenses()).some((l) => /Run sandbox test/.test(l)), false, 'no run lens before there are tests');
    await s.wb.screenshot('generate-lens');

    await s.wb.clickCodeLens(/^Generate tests$/);
    await s.wb.waitForActiveTab(path.basename(testFile));
    const text = fs.readFileSync(path.join(s.workspace, testFile), 'utf8');
    assert.match(text, new RegExp(`^transformation: ${PROCEDURE.replace('.', '\\.')}$`, 'm'));
    assert.match(text, /^cases:/m);
    // The Explorer reveals the new file (it is the active editor's).
    await s.wb.waitFor(`the Explorer to show ${path.basename(testFile)}`, (name) =>
      [...document.querySelectorAll('.explorer-folders-view .monaco-list-row')].some((r) => (r.getAttribute('aria-label') || '').startsWith(name)),
    path.basename(testFile));
    await s.wb.screenshot('test-file-opened');

    await s.wb.waitForCodeLens(/^Accept recorded expectations$/);
    await s.wb.screenshot('accept-lens');
  });

  test(`"▶ Run sandbox test" above ${PROCEDURE} runs the generated tests and shows the result`, { timeout: 300_000 }, async () => {
    const testFile = path.join(s.workspace, `tests/etl/${PROCEDURE}.etltest.yaml`);
    assert.ok(fs.existsSync(testFile), 'the generated test file (previous test)');
    const cases = (fs.readFileSync(testFile, 'utf8').match(/^ {0,2}- name: /gm) || []).length;
    assert.ok(cases > 0, 'the generated file has cases');

    await s.wb.openFile(t.file);
    await s.wb.waitForCodeLens(/^▶ Run sandbox test$/);
    assert.equal((await s.wb.codeLenses()).includes('Generate tests'), false, '"Generate tests" is gone once the procedure has tests');
    await s.wb.screenshot('run-lens');

    await s.wb.clickCodeLens(/^▶ Run sandbox test$/);
    // Expectations were recorded from this code, so the run passes.
    const lens = await s.wb.waitForCodeLens(/^[✓✗] .* · run again$/, 240_000);
    assert.equal(lens, `✓ ${cases} test${cases === 1 ? '' : 's'} passed · run again`);
    await s.wb.waitForNotification(new RegExp(`^ETL Agent: ${PROCEDURE.replace('.', '\\.')}: ${cases} passed, 0 failed`));
    await s.wb.screenshot('run-result');
  });
});
