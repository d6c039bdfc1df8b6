'use strict';
// `npm run package:vs`: the Visual Studio extension's .vsix, assembled from the project's build
// output where the VSSDK cannot build it (Linux, CI). On Windows, `msbuild` of the project makes the
// .vsix itself with the VSSDK targets; this script makes the same layout without them:
//   extension.vsixmanifest   source.extension.vsixmanifest with the asset paths filled in
//   EtlAgent.VisualStudio.dll          the MEF component (language client) and the package
//   EtlAgent.VisualStudio.pkgdef       the package's registration (hand-kept; see the file)
//   server/…                           `dotnet publish` of the language server, as in the VS Code .vsix
//                                      (native libraries for Windows only)
//   manifest.json, catalog.json        the setup manifests Visual Studio 2017+ installs from
//   [Content_Types].xml                the content type of every file extension in the package
// Options: --no-build (use the existing build output), --out <file>.

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { zip } = require('./zip');

const root = path.resolve(__dirname, '..', '..');
const project = path.join(root, 'vs-extension', 'EtlAgent.VisualStudio');
const configuration = 'Release';
const outputDir = path.join(project, 'bin', configuration);
const buildDir = path.join(outputDir, 'net472');
const serverDir = path.join(outputDir, 'server');
const args = process.argv.slice(2);
const vsixPath = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : path.join(outputDir, 'EtlAgent.VisualStudio.vsix');

function run(command, commandArgs) {
  console.log(`> ${command} ${commandArgs.join(' ')}`);
  execFileSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
}

if (!args.includes('--no-build')) {
  run('dotnet', ['build', path.relative(root, project), '-c', configuration, '--nologo', '-v', 'q']);
  fs.rmSync(serverDir, { recursive: true, force: true });
  run('dotnet', ['publish', 'server/src/EtlAgent.LanguageServer', '-c', configuration, '-o', path.relative(root, serverDir),
    '--nologo', '-v', 'q', '-p:UseAppHost=false', '-p:DebugType=none']);
}

function files(dir, prefix) {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name), `${prefix}${e.name}/`) : [{ name: `${prefix}${e.name}`, data: fs.readFileSync(path.join(dir, e.name)) }]);
}

const required = [path.join(buildDir, 'EtlAgent.VisualStudio.dll'), path.join(serverDir, 'EtlAgent.LanguageServer.dll')];
for (const f of required) if (!fs.existsSync(f)) throw new Error(`${path.relative(root, f)} is missing: build first (npm run package:vs without --no-build)`);

// The source manifest's asset paths are VSSDK project references; here they name the files.
const source = fs.readFileSync(path.join(project, 'source.extension.vsixmanifest'), 'utf8');
const manifest = source
  .replace('Path="|%CurrentProject%;PkgdefProjectOutputGroup|"', 'Path="EtlAgent.VisualStudio.pkgdef"')
  .replace('Path="|%CurrentProject%|"', 'Path="EtlAgent.VisualStudio.dll"')
  .replace(/ d:Source="Project" d:ProjectName="%CurrentProject%"/g, '');
if (manifest.includes('%CurrentProject%')) throw new Error('source.extension.vsixmanifest has an asset this script does not place');

const attr = (element, name) => (source.match(new RegExp(`<${element}\\b[^>]*\\b${name}="([^"]*)"`)) || [])[1];
const id = attr('Identity', 'Id');
const version = attr('Identity', 'Version');
const displayName = (source.match(/<DisplayName>([^<]*)<\/DisplayName>/) || [])[1];
const description = (source.match(/<Description[^>]*>([^<]*)<\/Description>/) || [])[1];
const prerequisites = Object.fromEntries([...source.matchAll(/<Prerequisite Id="([^"]+)" Version="([^"]+)"/g)].map((m) => [m[1], m[2]]));

const content = [
  { name: 'extension.vsixmanifest', data: Buffer.from(manifest, 'utf8') },
  { name: 'EtlAgent.VisualStudio.dll', data: fs.readFileSync(path.join(buildDir, 'EtlAgent.VisualStudio.dll')) },
  { name: 'EtlAgent.VisualStudio.pkgdef', data: fs.readFileSync(path.join(project, 'EtlAgent.VisualStudio.pkgdef')) },
  // Visual Studio runs on Windows: other platforms' native libraries (DuckDB's for Linux and macOS) stay out
  ...files(serverDir, 'server/').filter((f) => !/^server\/runtimes\/(linux|osx)[^/]*\/native\//.test(f.name)),
];

// The installer's manifests (as VsixUtil writes them for a per-machine VSIX v3).
const installSize = content.reduce((n, f) => n + f.data.length, 0);
const extensionDir = `[installdir]\\Common7\\IDE\\Extensions\\${crypto.createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
const setupManifest = {
  id, version, type: 'Vsix', vsixId: id, extensionDir,
  files: content.map((f) => ({ fileName: `/${f.name}`, sha256: crypto.createHash('sha256').update(f.data).digest('hex').toUpperCase() })),
  installSizes: { targetDrive: installSize },
  dependencies: prerequisites,
};
const catalog = {
  manifestVersion: '1.1',
  info: { id: `${id},version=${version}`, manifestType: 'Extension' },
  packages: [
    {
      id: `Component.${id}`, version, type: 'Component', extension: true,
      dependencies: { [id]: version, ...prerequisites },
      localizedResources: [{ language: 'en-US', title: displayName, description }],
    },
    { id, version, type: 'Vsix', payloads: [{ fileName: path.basename(vsixPath), size: installSize }], vsixId: id, extensionDir, installSizes: { targetDrive: installSize } },
  ],
};
content.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(setupManifest), 'utf8') });
content.push({ name: 'catalog.json', data: Buffer.from(JSON.stringify(catalog), 'utf8') });

const contentTypes = { vsixmanifest: 'text/xml', xml: 'text/xml', json: 'application/json', pkgdef: 'text/plain', dll: 'application/octet-stream', pdb: 'application/octet-stream', so: 'application/octet-stream', dylib: 'application/octet-stream' };
const extensions = [...new Set(content.map((f) => path.extname(f.name).slice(1).toLowerCase()).filter((e) => e !== ''))].sort();
const types = '<?xml version="1.0" encoding="utf-8"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\n' +
  extensions.map((e) => `  <Default Extension="${e}" ContentType="${contentTypes[e] || 'application/octet-stream'}" />\n`).join('') + '</Types>\n';
content.unshift({ name: '[Content_Types].xml', data: Buffer.from(types, 'utf8') });

fs.mkdirSync(path.dirname(vsixPath), { recursive: true });
fs.writeFileSync(vsixPath, zip(content));
console.log(`${path.relative(root, vsixPath)}: ${content.length} files, ${(fs.statSync(vsixPath).size / 1048576).toFixed(1)} MB`);
