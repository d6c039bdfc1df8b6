// One flow's world: code-server with the packaged extension, Chromium, and a fresh copy of the
// fixture warehouse opened as the workspace. Also the engine's own view of that workspace (the
// `etl-agent` CLI), which is what the editor must show.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startCodeServer, copyFixture, repoRoot } = require('./codeServer');
const { launchBrowser, Workbench } = require('./workbench');

const FIXTURE = 'warehouse';

async function openSession(flow) {
  const server = await startCodeServer();
  const browser = await launchBrowser();
  const workspace = copyFixture(FIXTURE);
  const wb = await Workbench.open(browser, server, workspace, flow);
  return {
    server, browser, workspace, wb,
    async close() {
      await browser.close().catch(() => {});
      await server.stop();
      fs.rmSync(workspace, { recursive: true, force: true });
      fs.rmSync(server.home, { recursive: true, force: true });
    },
  };
}

/** Runs the `etl-agent` CLI built in Release (scripts/suites/20-vscode.sh builds it) and parses its JSON. */
function cli(...args) {
  const bin = path.join(repoRoot, 'server', 'src', 'EtlAgent.Cli', 'bin', 'Release');
  const tfm = fs.existsSync(bin) ? fs.readdirSync(bin).find((d) => fs.existsSync(path.join(bin, d, 'etl-agent.dll'))) : undefined;
  if (!tfm) throw new Error(`the etl-agent CLI is not built under ${bin}: dotnet build server/src/EtlAgent.Cli -c Release`);
  let out;
  try {
    out = execFileSync('dotnet', [path.join(bin, tfm, 'etl-agent.dll'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (e) {
    out = e.stdout; // check exits 1 when it finds errors; its report is still on stdout
    if (!out) throw e;
  }
  return JSON.parse(out);
}

module.exports = { openSession, cli, FIXTURE };
