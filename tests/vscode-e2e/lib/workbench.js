// Drives the VS Code workbench in Chromium as a user would (keyboard, palette, clicks) and reads
// what it shows from the page's DOM and accessibility attributes — never from pixels.
// Every wait is a condition with a generous deadline: the machine may be busy.

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { repoRoot } = require('./codeServer');

const chromiumPath = process.env.VSCODE_E2E_CHROMIUM || '/usr/bin/chromium';
const artifacts = process.env.VSCODE_E2E_ARTIFACTS || path.join(repoRoot, 'artifacts', 'test-results', 'vscode-e2e');
const LONG = 120_000;

/** VS Code renders spaces in editor lines as no-break spaces. */
const plain = (s) => (s ?? '').replace(/\u00a0/g, ' ');

async function launchBrowser() {
  if (!fs.existsSync(chromiumPath)) throw new Error(`Chromium is not installed at ${chromiumPath} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

class Workbench {
  /** @param {import('playwright-core').Page} page */
  constructor(page, flow, workspace) {
    this.page = page;
    this.flow = flow;
    this.workspace = workspace;
    this.step = 0;
    this.shots = [];
  }

  /** Opens `workspace` in a new page and waits until the workbench and the extension's status item are there. */
  static async open(browser, server, workspace, flow) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(LONG);
    const wb = new Workbench(page, flow, workspace);
    await page.goto(server.folderUrl(workspace), { timeout: LONG });
    await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: LONG });
    await page.waitForSelector('.part.sidebar .explorer-folders-view', { timeout: LONG });
    return wb;
  }

  /** Saves artifacts/test-results/vscode-e2e/<flow>-<NN>-<what>.png and returns its name. */
  async screenshot(what) {
    fs.mkdirSync(artifacts, { recursive: true });
    this.step += 1;
    const name = `${this.flow}-${String(this.step).padStart(2, '0')}-${what}.png`;
    await this.page.screenshot({ path: path.join(artifacts, name) });
    this.shots.push(name);
    return name;
  }

  async waitFor(what, fn, arg, timeout = LONG) {
    try {
      return await this.page.waitForFunction(fn, arg, { timeout, polling: 250 });
    } catch (e) {
      await this.screenshot(`timeout-${what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`).catch(() => {});
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
    }
  }

  // ---- status bar, notifications ---------------------------------------------------------

  /** The ETL Agent status-bar item's text once it reports a finished index ("… files · N findings"). */
  async waitForIndexed() {
    await this.waitFor('the ETL Agent status item to report the index', () =>
      [...document.querySelectorAll('.statusbar-item')].some((e) => /ETL Agent: \d+ files · \d+ findings?/.test(e.getAttribute('aria-label') || e.textContent)));
    return this.statusItem(/ETL Agent:/);
  }

  /** The status bar's problem counts ("Errors: 2, Warnings: 21, Infos: 4"). */
  async problemCounts() {
    const label = await this.statusItem(/^Errors: \d+, Warnings: \d+/) || await this.statusItem(/^No Problems/) || '';
    const n = (k) => parseInt((label.match(new RegExp(`${k}: (\\d+)`)) || [])[1] || '0', 10);
    return { error: n('Errors'), warning: n('Warnings'), information: n('Infos') };
  }

  async statusItem(pattern) {
    const labels = await this.page.$$eval('.statusbar-item', (els) => els.map((e) => e.getAttribute('aria-label') || e.textContent || ''));
    return labels.find((l) => pattern.test(l));
  }

  /** Every notification (toasts and the notification center), as { severity, message }; screenshots the open center. */
  async notifications(shot = 'notifications') {
    await this.command('Notifications: Show Notifications');
    await this.page.waitForSelector('.notifications-center', { state: 'visible' });
    const rows = await this.page.$$eval('.notifications-center .monaco-list-row, .notifications-toasts .notification-toast', (els) => els.map((e) => ({
      severity: e.querySelector('.codicon-error') ? 'error' : e.querySelector('.codicon-warning') ? 'warning' : 'info',
      message: e.querySelector('.notification-list-item-message')?.textContent || e.getAttribute('aria-label') || e.textContent,
    })));
    await this.screenshot(shot);
    await this.page.keyboard.press('Escape');
    return rows;
  }

  /** Waits for a notification whose message matches `pattern` and returns its text. */
  async waitForNotification(pattern, timeout = LONG) {
    const handle = await this.waitFor(`a notification matching ${pattern}`, (src) => {
      const re = new RegExp(src);
      const all = [...document.querySelectorAll('.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message')];
      const hit = all.find((e) => re.test(e.textContent));
      return hit ? hit.textContent : null;
    }, pattern.source, timeout);
    return handle.jsonValue();
  }

  // ---- commands and files ----------------------------------------------------------------

  /** Runs a command from the palette (F1) by its exact title, e.g. "ETL Agent: Show Server Log". */
  async command(title) {
    const input = '.quick-input-widget .quick-input-box input';
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    await this.page.waitForSelector(input, { state: 'visible' });
    await this.page.fill(input, `>${title}`);
    // Pick the row whose label is the title (the list filters asynchronously; Enter too early picks
    // another). A row's label is "<title>" or "<title>, <keybinding>".
    const isTitle = (label, t) => label === t || label.startsWith(`${t}, `);
    await this.waitFor(`the palette to offer "${title}"`, (t) =>
      [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => {
        const label = r.getAttribute('aria-label') || '';
        return label === t || label.startsWith(`${t}, `);
      }), title);
    const rows = this.page.locator('.quick-input-list .monaco-list-row');
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      if (isTitle((await rows.nth(i).getAttribute('aria-label')) || '', title)) { await rows.nth(i).click(); return; }
    }
    throw new Error(`the palette does not offer "${title}"`);
  }

  /**
   * Opens a workspace file with File > Open File (code-server's simple file dialog: type the path).
   * Quick Open's file search does not work in this setup, and the Explorer only renders visible rows.
   */
  async openFile(relative) {
    const full = path.join(this.workspace, relative);
    const name = path.basename(relative);
    await this.command('File: Open File...');
    const input = '.quick-input-widget .quick-input-box input';
    await this.waitFor('the open-file dialog', (sel) => {
      const i = document.querySelector(sel);
      return i && i.offsetParent !== null && i.value.startsWith('/');
    }, input);
    // The dialog fills itself in asynchronously (it may overwrite a path typed too early) and
    // ignores Enter until it lists the typed folder: type, wait for the file's row, Enter; again if needed.
    for (let attempt = 0; attempt < 6; attempt++) {
      if ((await this.page.inputValue(input).catch(() => full)) !== full) await this.page.fill(input, full);
      const listed = await this.page.waitForFunction((n) =>
        [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => (r.getAttribute('aria-label') || '').startsWith(n)), name, { timeout: 15_000, polling: 250 })
        .then(() => true, () => false);
      if (!listed) continue;
      if ((await this.page.inputValue(input).catch(() => full)) !== full) continue;
      await this.page.keyboard.press('Enter');
      const opened = await this.page.waitForFunction((n) =>
        (document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label') || '').startsWith(n), name, { timeout: 15_000, polling: 250 })
        .then(() => true, () => false);
      if (opened) return this.waitForActiveTab(name);
      if (!(await this.page.isVisible(input))) break;
    }
    throw new Error(`could not open ${full} with File > Open File`);
  }

  async waitForActiveTab(name, timeout = LONG) {
    await this.waitFor(`the editor tab ${name} to be active`, (n) => {
      const tab = document.querySelector('.tabs-container .tab.active');
      return tab && (tab.getAttribute('aria-label') || '').startsWith(n);
    }, name, timeout);
    await this.page.waitForSelector('.editor-group-container.active .monaco-editor .view-lines', { state: 'visible' });
  }

  async activeTab() {
    return this.page.$eval('.tabs-container .tab.active', (t) => t.getAttribute('aria-label')).catch(() => null);
  }

  /** Moves the cursor with Go to Line (line and column are 1-based, as VS Code shows them). */
  async goTo(line, column) {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+g');
    await this.page.waitForSelector('.quick-input-widget .quick-input-box input', { state: 'visible' });
    await this.page.keyboard.type(`${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.waitForCursor(line, column);
  }

  /** The status bar's "Ln L, Col C" (with " (N selected)" when `selected` is given). */
  async waitForCursor(line, column, selected) {
    const want = `Ln ${line}, Col ${column}${selected ? ` (${selected} selected)` : ''}`;
    await this.waitFor(`the cursor at ${want}`, (w) =>
      [...document.querySelectorAll('.statusbar-item')].some((e) => (e.textContent || '').trim() === w), want);
  }

  // ---- the editor -----------------------------------------------------------------------

  /** The rendered lines of the active editor (only those on screen), by line number. */
  async editorLines() {
    const lines = await this.page.$$eval('.editor-group-container.active .monaco-editor .view-lines .view-line', (els) =>
      els.map((e) => ({ top: parseFloat(e.style.top) || 0, text: e.textContent })));
    const numbers = await this.page.$$eval('.editor-group-container.active .monaco-editor .margin-view-overlays .line-numbers', (els) =>
      els.map((e) => ({ top: parseFloat(e.parentElement.style.top) || 0, n: parseInt(e.textContent, 10) })));
    const byTop = new Map(numbers.map((x) => [x.top, x.n]));
    const out = new Map();
    for (const l of lines) if (byTop.has(l.top)) out.set(byTop.get(l.top), plain(l.text));
    return out;
  }

  async waitForLine(line, pattern) {
    await this.waitFor(`line ${line} to match ${pattern}`, ({ line, src }) => {
      const re = new RegExp(src);
      const numbers = [...document.querySelectorAll('.editor-group-container.active .monaco-editor .margin-view-overlays .line-numbers')];
      const num = numbers.find((e) => parseInt(e.textContent, 10) === line);
      if (!num) return false;
      const top = num.parentElement.style.top;
      const view = [...document.querySelectorAll('.editor-group-container.active .monaco-editor .view-lines .view-line')].find((e) => e.style.top === top);
      return view && re.test(view.textContent.replace(/\u00a0/g, ' '));
    }, { line, src: pattern.source });
  }

  /** Squiggles in the active editor: { severity, line } (line from the decoration's vertical position). */
  async squiggles() {
    return this.page.$$eval('.editor-group-container.active .monaco-editor .view-overlays [class*="squiggly-"]', (els) => els.map((e) => {
      const severity = (e.className.match(/squiggly-(error|warning|info|hint)/) || [])[1];
      const top = e.parentElement.style.top;
      const num = [...document.querySelectorAll('.editor-group-container.active .monaco-editor .margin-view-overlays > div')].find((d) => d.style.top === top);
      return { severity, line: num ? parseInt(num.textContent, 10) : null };
    }));
  }

  /** Code lenses shown in the active editor, as their text (one entry per lens). */
  async codeLenses() {
    return this.page.$$eval('.editor-group-container.active .monaco-editor .codelens-decoration a', (els) => els.map((e) => e.textContent.replace(/\u00a0/g, ' ').trim()));
  }

  async waitForCodeLens(pattern, timeout = LONG) {
    const handle = await this.waitFor(`a code lens matching ${pattern}`, (src) => {
      const re = new RegExp(src);
      const hit = [...document.querySelectorAll('.editor-group-container.active .monaco-editor .codelens-decoration a')]
        .find((a) => re.test(a.textContent.replace(/\u00a0/g, ' ').trim()));
      return hit ? hit.textContent.replace(/\u00a0/g, ' ').trim() : null;
    }, pattern.source, timeout);
    return handle.jsonValue();
  }

  async clickCodeLens(pattern) {
    await this.waitForCodeLens(pattern);
    const links = this.page.locator('.editor-group-container.active .monaco-editor .codelens-decoration a');
    const n = await links.count();
    for (let i = 0; i < n; i++) {
      if (pattern.test(plain(await links.nth(i).textContent()).trim())) { await links.nth(i).click(); return; }
    }
    throw new Error(`no code lens matches ${pattern}`);
  }

  /** Ctrl+. at the cursor; returns the offered actions' titles, then applies the one titled `title`. */
  async quickFix(title) {
    await this.page.keyboard.press('Control+.');
    await this.page.waitForSelector('.action-widget .monaco-list-row.action', { state: 'visible' });
    const offered = await this.page.$$eval('.action-widget .monaco-list-row.action', (els) => els.map((e) => e.getAttribute('aria-label')));
    if (!offered.includes(title)) throw new Error(`the quick fix "${title}" is not offered; offered: ${JSON.stringify(offered)}`);
    await this.screenshot('quick-fix-menu');
    // The menu owns the keyboard (a pointer block covers the page): walk to the row and press Enter.
    for (let i = 0; i < offered.length + 1; i++) {
      const focused = await this.page.getAttribute('.action-widget .monaco-list-row.focused', 'aria-label').catch(() => null);
      if (focused === title) { await this.page.keyboard.press('Enter'); return offered; }
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`could not select the quick fix "${title}"`);
  }

  // ---- panels and views ------------------------------------------------------------------

  /**
   * Rows of the Problems panel on screen: files ({ kind: 'file', file }), findings ({ kind: 'marker',
   * severity, message, source, code, at: "[Ln L, Col C]" }) and related locations ({ kind: 'related' }).
   */
  async problems() {
    return this.page.$$eval('.markers-panel .monaco-list-row', (els) => els.map((e) => {
      const text = (sel) => e.querySelector(sel)?.textContent ?? null;
      const icon = e.querySelector('.marker-icon');
      if (icon) {
        return {
          kind: 'marker',
          severity: ['error', 'warning', 'info'].find((k) => icon.classList.contains(k)) || null,
          message: text('.marker-message'), source: text('.marker-source'), code: text('.marker-code'), at: text('.marker-line'),
        };
      }
      if (e.querySelector('.file-icon')) return { kind: 'file', file: e.querySelector('.file-icon').getAttribute('aria-label') };
      return { kind: 'related', text: e.textContent };
    }));
  }

  /** The Pipelines view's rows on screen: { label, description, level }. */
  async pipelineRows() {
    return this.page.$$eval('.pane:has(.pane-header[aria-label^="Pipelines"]) .monaco-list-row', (els) => els.map((e) => ({
      label: e.querySelector('.label-name')?.textContent || e.getAttribute('aria-label') || '',
      description: e.querySelector('.label-description')?.textContent || '',
      level: parseInt(e.getAttribute('aria-level') || '0', 10),
    })));
  }

  /** Expands the Explorer's Pipelines section (collapsed by default below the file tree). */
  async showPipelinesView() {
    const header = this.page.locator('.pane-header[aria-label^="Pipelines"]');
    await header.waitFor({ state: 'visible' });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await this.waitFor('the Pipelines view to list rows', () =>
      document.querySelectorAll('.pane:has(.pane-header[aria-label^="Pipelines"]) .monaco-list-row').length > 0);
  }

  /** Puts the keyboard focus on the Pipelines view's first row. */
  async focusPipelinesView() {
    await this.page.focus('.pane:has(.pane-header[aria-label^="Pipelines"]) .monaco-list');
    await this.page.keyboard.press('Home');
    await this.waitFor('the focus on the first row of the Pipelines view', () =>
      document.querySelector('.pane:has(.pane-header[aria-label^="Pipelines"]) .monaco-list-row.focused')?.getAttribute('data-index') === '0');
  }

  /**
   * Walks the Pipelines view (a virtualized tree: only rows on screen exist) with the keyboard
   * from its first row until the row labelled `label` has the focus, which scrolls it into view;
   * then clicks it as a user would.
   */
  async clickPipelineRow(label) {
    const rows = '.pane:has(.pane-header[aria-label^="Pipelines"]) .monaco-list-row';
    await this.focusPipelinesView(); // not a click on a row: that would toggle a pipeline
    const focused = () => this.page.$eval(`${rows}.focused .label-name`, (e) => e.textContent).catch(() => null);
    let last = null;
    for (let i = 0; i < 500; i++) {
      const now = await focused();
      if (now === label) {
        await this.page.locator(`${rows}.focused`).click();
        return;
      }
      if (i > 0 && now === last) break; // the end of the list
      last = now;
      await this.page.keyboard.press('ArrowDown');
      await this.waitFor('the focus to move in the Pipelines view', ({ sel, was }) =>
        (document.querySelector(`${sel}.focused .label-name`)?.textContent ?? null) !== was || !document.querySelector(`${sel}.focused`)?.nextElementSibling,
      { sel: rows, was: now }, 10_000).catch(() => {});
    }
    throw new Error(`the Pipelines view has no row "${label}" (last focused: ${last})`);
  }

  /** The text of the Output panel's editor (the lines on screen). */
  async outputText() {
    return this.page.$$eval('.part.panel .output-view .monaco-editor .view-lines .view-line', (els) =>
      els.map((e) => e.textContent.replace(/\u00a0/g, ' ')).join('\n'));
  }
}

module.exports = { launchBrowser, Workbench, artifacts, plain };
