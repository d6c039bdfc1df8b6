// A real VS Code (code-server) with the packaged extension installed, in private folders, on a
// free local port. Nothing here touches the user's VS Code settings or the repository.

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cacheRoot = process.env.ETLAGENT_CACHE || path.join(os.homedir(), '.cache', 'etl-agent');
const codeServerBin = process.env.VSCODE_E2E_CODE_SERVER
  || path.join(cacheRoot, 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
const vsixPath = process.env.VSCODE_E2E_VSIX || path.join(repoRoot, 'vscode-extension', 'etl-agent.vsix');

// Workbench settings that keep the page quiet and predictable: no welcome page, no tips, no
// update or telemetry traffic, no trust prompt; the light theme makes screenshots readable.
const userSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.colorTheme': 'Default Light Modern',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'files.simpleDialog.enable': true,
  'explorer.autoReveal': true,
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(0));
    req.setTimeout(5000, () => { req.destroy(); resolve(0); });
  });
}

/** Copies tests/fixtures/<name> to a fresh temp folder, so flows may change files freely. */
function copyFixture(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vscode-e2e-${name}-`));
  // without .etl-agent: README's first command leaves its memory and reports in the fixture, and a
  // flow must start from nothing (a remembered timing would make a loaded machine's run "slower")
  const source = path.join(repoRoot, 'tests', 'fixtures', name);
  fs.cpSync(source, dir, { recursive: true, filter: (from) => path.relative(source, from).split(path.sep)[0] !== '.etl-agent' });
  return dir;
}

/**
 * Starts code-server with the packaged extension installed in a private extensions folder.
 * Throws with a clear message (and the server's log) when anything is missing or it does not answer.
 */
async function startCodeServer({ startTimeoutMs = 120_000 } = {}) {
  if (!fs.existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed at ${codeServerBin}: run scripts/suites/20-vscode.sh (it installs code-server 4.100.3 into ${cacheRoot}).`);
  }
  if (!fs.existsSync(vsixPath)) {
    throw new Error(`the packaged extension ${vsixPath} is missing: run \`npm run package\` first.`);
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-e2e-server-'));
  const userDataDir = path.join(home, 'user-data');
  const extensionsDir = path.join(home, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  const configFile = path.join(home, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  try {
    execFileSync(codeServerBin, [...common, '--install-extension', vsixPath], { stdio: 'pipe', timeout: 180_000 });
  } catch (e) {
    throw new Error(`code-server --install-extension ${vsixPath} failed: ${e.stderr || e.message}`);
  }
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('etlagentide.etl-agent-'));
  if (installed.length !== 1) throw new Error(`the extension was not installed into ${extensionsDir} (found: ${fs.readdirSync(extensionsDir).join(', ')})`);

  const port = await freePort();
  const logFile = path.join(home, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(codeServerBin, [...common,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
  ], { stdio: ['ignore', log, log], detached: false });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    if (await get(`${url}/healthz`) === 200) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (exited || await get(`${url}/healthz`) !== 200) {
    child.kill('SIGKILL');
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    throw new Error(`code-server did not start on ${url} within ${startTimeoutMs / 1000} s${exited ? ` (it exited: ${JSON.stringify(exited)})` : ''}. Its log (${logFile}):\n${tail}`);
  }

  return {
    url,
    home,
    logFile,
    extensionsDir,
    extensionDir: path.join(extensionsDir, installed[0]),
    /** The workbench URL that opens `folder`. */
    folderUrl: (folder) => `${url}/?folder=${encodeURIComponent(folder)}`,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

module.exports = { startCodeServer, copyFixture, repoRoot, codeServerBin };
