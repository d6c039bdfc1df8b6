'use strict';
// The Visual Studio .vsix that `npm run package:vs` assembles, opened with an independent zip reader
// (yauzl): the entries Visual Studio needs, the manifest's fields, registration that matches the
// code (GUIDs in Guids.cs, the .vsct, the .pkgdef), and the bundled server answering initialize as a
// client without code lenses (as Visual Studio's) with the commands the menu runs.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { pathToFileURL } = require('node:url');
const yauzl = require('yauzl');
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');

const root = path.resolve(__dirname, '..', '..');
const project = path.join(root, 'vs-extension', 'EtlAgent.VisualStudio');
const vsix = process.env.ETL_AGENT_VS_VSIX || path.join(project, 'bin', 'Release', 'EtlAgent.VisualStudio.vsix');
const required = process.env.ETL_AGENT_REQUIRE_VSIX === '1';
const skip = !required && !fs.existsSync(vsix) && 'no Visual Studio .vsix (run `npm run package:vs` at the root)';

/** Every entry of the archive: name → uncompressed bytes. */
function readZip(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, archive) => {
      if (err) return reject(err);
      const entries = new Map();
      archive.readEntry();
      archive.on('entry', (entry) => {
        archive.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks = [];
          stream.on('data', (c) => chunks.push(c));
          stream.on('end', () => { entries.set(entry.fileName, Buffer.concat(chunks)); archive.readEntry(); });
          stream.on('error', reject);
        });
      });
      archive.on('end', () => resolve(entries));
      archive.on('error', reject);
    });
  });
}

const source = (relative) => fs.readFileSync(path.join(project, relative), 'utf8');
const guid = (name) => source('Guids.cs').match(new RegExp(`${name}String = "([0-9a-f-]+)"`))[1];
const attr = (xml, element, name) => (xml.match(new RegExp(`<${element}\\b[^>]*\\b${name}="([^"]*)"`)) || [])[1];

let entriesPromise;
const entries = () => (entriesPromise ??= readZip(vsix));

test('the .vsix holds the manifest, the content types, the extension dll, its registration and the server', { skip }, async () => {
  const names = [...(await entries()).keys()];
  for (const expected of ['extension.vsixmanifest', '[Content_Types].xml', 'EtlAgent.VisualStudio.dll', 'EtlAgent.VisualStudio.pkgdef',
    'manifest.json', 'catalog.json', 'server/EtlAgent.LanguageServer.dll', 'server/EtlAgent.Core.dll', 'server/StreamJsonRpc.dll',
    'server/EtlAgent.LanguageServer.runtimeconfig.json', 'server/EtlAgent.LanguageServer.deps.json']) {
    assert.ok(names.includes(expected), `${expected} in the .vsix`);
  }
  assert.equal(new Set(names).size, names.length, 'no entry twice');
  assert.ok(!names.some((n) => n.includes('\\') || n.startsWith('/')), 'zip paths use / and are relative');
  assert.ok(!names.some((n) => /^server\/runtimes\/(linux|osx)[^/]*\/native\//.test(n)), 'no Linux or macOS native libraries');
  assert.ok(names.includes('server/runtimes/win-x64/native/duckdb.dll'), 'the Windows sandbox engine');
  // Visual Studio provides these itself; a second copy in the extension would conflict
  assert.ok(!names.some((n) => /^Microsoft\.VisualStudio\.|^Newtonsoft\.Json|^StreamJsonRpc/.test(n)), 'no Visual Studio assembly shipped at the top');

  const types = (await entries()).get('[Content_Types].xml').toString('utf8');
  const declared = new Set([...types.matchAll(/<Default Extension="([^"]+)" ContentType="[^"]+"/g)].map((m) => m[1]));
  for (const n of names.filter((x) => x !== '[Content_Types].xml')) {
    const ext = path.extname(n).slice(1).toLowerCase();
    if (ext) assert.ok(declared.has(ext), `[Content_Types].xml declares .${ext} (${n})`);
  }
});

test('the manifest names the extension, targets Visual Studio 2022 and points at assets in the package', { skip }, async () => {
  const all = await entries();
  const manifest = all.get('extension.vsixmanifest').toString('utf8');
  assert.match(manifest, /^<\?xml version="1.0" encoding="utf-8"\?>\s*<PackageManifest Version="2.0.0" xmlns="http:\/\/schemas.microsoft.com\/developer\/vsx-schema\/2011"/);
  assert.equal(attr(manifest, 'Identity', 'Id'), `EtlAgent.VisualStudio.${guid('Package')}`);
  const csproj = source('EtlAgent.VisualStudio.csproj');
  assert.equal(attr(manifest, 'Identity', 'Version'), csproj.match(/<Version>([^<]+)<\/Version>/)[1]);
  assert.equal(attr(manifest, 'Identity', 'Publisher'), JSON.parse(fs.readFileSync(path.join(root, 'vscode-extension', 'package.json'), 'utf8')).publisher);
  assert.equal(attr(manifest, 'Identity', 'Language'), 'en-US');
  assert.match(manifest, /<DisplayName>ETL Agent<\/DisplayName>/);
  assert.equal(attr(manifest, 'InstallationTarget', 'Id'), 'Microsoft.VisualStudio.Community');
  assert.equal(attr(manifest, 'InstallationTarget', 'Version'), '[17.0,18.0)');
  assert.equal(attr(manifest, 'Prerequisite', 'Id'), 'Microsoft.VisualStudio.Component.CoreEditor');
  const assets = [...manifest.matchAll(/<Asset Type="([^"]+)" Path="([^"]+)"/g)].map((m) => ({ type: m[1], path: m[2] }));
  assert.deepEqual(assets, [
    { type: 'Microsoft.VisualStudio.VsPackage', path: 'EtlAgent.VisualStudio.pkgdef' },
    { type: 'Microsoft.VisualStudio.MefComponent', path: 'EtlAgent.VisualStudio.dll' },
  ]);
  assert.ok(!manifest.includes('%CurrentProject%'), 'no VSSDK project token left');

  const setup = JSON.parse(all.get('manifest.json').toString('utf8'));
  assert.equal(setup.id, attr(manifest, 'Identity', 'Id'));
  assert.equal(setup.version, attr(manifest, 'Identity', 'Version'));
  assert.deepEqual(setup.files.map((f) => f.fileName).sort(), [...all.keys()].filter((n) => !['[Content_Types].xml', 'manifest.json', 'catalog.json'].includes(n)).map((n) => `/${n}`).sort());
  const catalog = JSON.parse(all.get('catalog.json').toString('utf8'));
  assert.equal(catalog.info.id, `${setup.id},version=${setup.version}`);
  assert.ok(catalog.packages.some((p) => p.type === 'Vsix' && p.vsixId === setup.id));
});

test('the dll is the .NET Framework 4.7.2 assembly with the language client, the package and the options page', { skip }, async () => {
  const dll = (await entries()).get('EtlAgent.VisualStudio.dll');
  assert.equal(dll.subarray(0, 2).toString('latin1'), 'MZ', 'a PE file');
  const text = dll.toString('latin1');
  assert.ok(text.includes('.NETFramework,Version=v4.7.2'), 'targets .NET Framework 4.7.2');
  for (const type of ['EtlAgentLanguageClient', 'EtlAgentPackage', 'OptionsPage', 'PipelinesToolWindow', 'SqlContentType', 'MenuCommands'])
    assert.ok(text.includes(type), `${type} compiled in`);
  assert.ok(text.includes('Microsoft.VisualStudio.LanguageServer.Client'), 'references the LSP client');
});

test('the registration agrees with the code: .pkgdef and .vsct use Guids.cs, the .pkgdef names existing classes', { skip }, async () => {
  const pkgdef = (await entries()).get('EtlAgent.VisualStudio.pkgdef').toString('utf8');
  const packageGuid = guid('Package');
  assert.ok(pkgdef.includes(`[$RootKey$\\Packages\\{${packageGuid}}]`));
  assert.ok(pkgdef.includes(`[$RootKey$\\ToolWindows\\{${guid('PipelinesToolWindow')}}]`));
  assert.ok(pkgdef.includes(`"Page"="{${guid('OptionsPage')}}"`));
  assert.ok(!pkgdef.includes('ctmenu'), 'no menu resource is registered: a Linux build compiles no command table');
  const named = [...pkgdef.matchAll(/"(?:Class|Name)"="(EtlAgent\.VisualStudio\.[A-Za-z.]+)"/g)].map((m) => m[1]);
  assert.ok(named.length >= 2);
  const sources = fs.readdirSync(project, { recursive: true }).filter((f) => f.endsWith('.cs') && !f.startsWith('obj') && !f.startsWith('bin'))
    .map((f) => fs.readFileSync(path.join(project, f), 'utf8')).join('\n');
  for (const full of named) {
    const cls = full.split('.').pop();
    const ns = full.slice(0, -cls.length - 1);
    assert.match(sources, new RegExp(`namespace ${ns.replace(/\./g, '\\.')}\\s*\\{[\\s\\S]*class ${cls}\\b`), `${full} exists`);
  }
  // the package's attributes register what the .pkgdef registers
  const pkg = source('EtlAgentPackage.cs');
  assert.match(pkg, /\[ProvideToolWindow\(typeof\(PipelinesToolWindow\)/);
  assert.match(pkg, /\[ProvideOptionPage\(typeof\(OptionsPage\), "ETL Agent", "General"/);
  assert.ok(pkgdef.includes('[$RootKey$\\ToolsOptionsPages\\ETL Agent\\General]'));

  const vsct = source('EtlAgentPackage.vsct');
  assert.ok(vsct.includes(`name="guidEtlAgentPackage" value="{${packageGuid}}"`));
  assert.ok(vsct.includes(`name="guidEtlAgentCommandSet" value="{${guid('CommandSet')}}"`));
  const ids = Object.fromEntries([...source('Guids.cs').matchAll(/public const int (\w+) = (0x[0-9A-Fa-f]+);/g)].map((m) => [m[1], parseInt(m[2], 16)]));
  for (const [name, value] of Object.entries(ids)) {
    const symbol = vsct.match(new RegExp(`<IDSymbol name="cmdid${name}" value="(0x[0-9A-Fa-f]+)"`));
    assert.ok(symbol, `cmdid${name} in the .vsct`);
    assert.equal(parseInt(symbol[1], 16), value, `cmdid${name} has the id of CommandIds.${name}`);
  }
});

test('the bundled server starts and announces the commands the Visual Studio menu runs, to a client without code lenses', { skip, timeout: 60000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-agent-vs-vsix-'));
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-agent-vs-ws-'));
  try {
    for (const [name, data] of await entries()) {
      if (!name.startsWith('server/')) continue;
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), data);
    }
    fs.cpSync(path.join(root, 'tests', 'fixtures', 'lsp'), workspace, { recursive: true });
    const proc = spawn('dotnet', [path.join(dir, 'server', 'EtlAgent.LanguageServer.dll')], { cwd: workspace });
    const connection = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    connection.listen();
    const result = await connection.sendRequest('initialize', {
      processId: process.pid, clientInfo: { name: 'Visual Studio (test)' }, rootUri: pathToFileURL(workspace).href,
      capabilities: { textDocument: { codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: [] } } } } },
      initializationOptions: { include: [], exclude: [] },
    });
    assert.equal(result.serverInfo.name, 'etl-agent');
    const announced = result.capabilities.experimental.etlAgent.commands.map((c) => c.id);
    const menu = [...source('Protocol/CommandDescriptor.cs').matchAll(/public const string (\w+) = "(etlAgent\.[A-Za-z]+)";/g)].map((m) => m[2]);
    assert.ok(menu.length >= 5, 'the menu binds server commands by id');
    // Explain Failure is shown only when a server announces it; the others must be there
    for (const id of menu.filter((m) => m !== 'etlAgent.explainFailure')) assert.ok(announced.includes(id), `the server announces ${id}`);
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    assert.equal(code, 0);
    connection.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
