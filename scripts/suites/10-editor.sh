#!/usr/bin/env bash
# Editor suites: LSP end-to-end over stdio (vscode-languageserver-protocol), the VS Code extension
# (unit tests + packaged .vsix that starts the server), and Neovim's built-in LSP client.
# Installs what it needs: npm packages (from package-lock.json) and neovim (apt-get) when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "== npm packages"
npm ci --no-audit --no-fund --loglevel=error

echo "== LSP end-to-end"
npm test --workspace tests/lsp-e2e

echo "== VS Code extension (unit tests, packaged .vsix)"
npm run test:extension

echo "== Neovim"
bash tests/neovim/run.sh
