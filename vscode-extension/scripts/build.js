// Bundles the extension with esbuild (vscode-languageclient inlined, `vscode` external), and
// compiles the pure modules to out/ for the unit tests (`--tests`).
const esbuild = require('esbuild');
const path = require('path');

const root = path.resolve(__dirname, '..');
const tests = process.argv.includes('--tests');

async function main() {
  if (tests) {
    await esbuild.build({
      entryPoints: [path.join(root, 'src', 'settings.ts'), path.join(root, 'src', 'pipelinesModel.ts'), path.join(root, 'src', 'commands.ts')],
      outdir: path.join(root, 'out'),
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      logLevel: 'warning',
    });
    return;
  }
  await esbuild.build({
    entryPoints: [path.join(root, 'src', 'extension.ts')],
    outfile: path.join(root, 'dist', 'extension.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
