#!/usr/bin/env bash
# Visual Studio extension: builds vs-extension/EtlAgent.VisualStudio (net472 against reference
# assemblies; on Linux VSCT checks the .vsct), assembles the .vsix (`npm run package:vs`: the build,
# the published server) and opens it (vs-extension/test: entries, manifest, registration, the
# bundled server answering a client without code lenses). Nothing here runs Visual Studio.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -d node_modules/yauzl ] || [ ! -d node_modules/vscode-languageserver-protocol ]; then
  echo "== npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "== Visual Studio extension (build, .vsix, test)"
npm run test:vs
