#!/usr/bin/env bash
# Every editor suite, from a clean clone: installs what it needs (npm packages, neovim), builds
# the server, then runs the server unit tests, the LSP end-to-end tests, the extension tests
# (with a packaged .vsix) and the Neovim client test.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== npm packages"
npm ci --no-audit --no-fund --loglevel=error

echo "== server build"
dotnet build server/src/EtlAgent.LanguageServer -c Release --nologo -v q

echo "== server unit tests (language server + workspace session)"
dotnet test tests/EtlAgent.LanguageServer.Tests --nologo -v q
dotnet test tests/EtlAgent.Core.Tests --nologo -v q --filter "FullyQualifiedName~EtlAgent.Core.Tests.Agent"

echo "== LSP end-to-end (real server over stdio, vscode-languageserver-protocol)"
npm test --workspace tests/lsp-e2e

echo "== VS Code extension (unit tests, packaged .vsix)"
npm run test:extension

echo "== Neovim"
bash tests/neovim/run.sh
