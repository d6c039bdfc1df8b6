'use strict';
// The packaged .vsix holds the bundled extension and the published server, and that server starts.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { pathToFileURL } = require('node:url');
const yauzl = require('yauzl');
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');

const vsix = process.env.ETL_AGENT_VSIX || path.join(__dirname, '..', 'etl-agent.vsix');
const required = process.env.ETL_AGENT_REQUIRE_VSIX === '1';

function unzip(file, dest) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names = [];
      zip.readEntry();
      zip.on('entry', (entry) => {
        names.push(entry.fileName);
        const target = path.join(dest, entry.fileName);
        if (entry.fileName.endsWith('/')) { fs.mkdirSync(target, { recursive: true }); zip.readEntry(); return; }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          stream.pipe(fs.createWriteStream(target)).on('finish', () => zip.readEntry());
        });
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
    });
  });
}

test('the .vsix contains the extension and the server, and the server starts', { skip: !required && !fs.existsSync(vsix) && 'no .vsix (run `npm run package` at the root)' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-agent-vsix-'));
  try {
    const names = await unzip(vsix, dir);
    for (const expected of ['extension/package.json', 'extension/dist/extension.js', 'extension/server/EtlAgent.LanguageServer.dll',
      'extension/server/EtlAgent.Core.dll', 'extension/server/StreamJsonRpc.dll', 'extension/server/EtlAgent.LanguageServer.runtimeconfig.json']) {
      assert.ok(names.includes(expected), `${expected} in the .vsix`);
    }
    assert.ok(!names.some((n) => n.startsWith('extension/node_modules/')), 'dependencies are bundled, not shipped');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'extension', 'package.json'), 'utf8'));
    assert.ok(manifest.activationEvents.includes('onLanguage:sql'));
    assert.ok(manifest.contributes.commands.every((c) => c.category === 'ETL Agent'));

    const workspace = path.join(__dirname, '..', '..', 'tests', 'fixtures', 'lsp');
    const proc = spawn('dotnet', [path.join(dir, 'extension', 'server', 'EtlAgent.LanguageServer.dll')], { cwd: workspace });
    const connection = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    connection.listen();
    const result = await connection.sendRequest('initialize', {
      processId: process.pid, rootUri: pathToFileURL(workspace).href, capabilities: {}, workspaceFolders: null,
    });
    assert.equal(result.serverInfo.name, 'etl-agent');
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    assert.equal(code, 0);
    connection.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
