#!/usr/bin/env bash
# Neovim (Debian's, headless) as an LSP client of the real server: opens a fixture procedure,
# waits for diagnostics, lists code lenses and applies a quick fix. Installs neovim if missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if ! command -v nvim >/dev/null 2>&1; then
  echo "installing neovim (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq neovim >/dev/null
fi
nvim --version | head -1

dll="${ETL_AGENT_SERVER_DLL:-$repo/server/src/EtlAgent.LanguageServer/bin/Release/net10.0/EtlAgent.LanguageServer.dll}"
if [ ! -f "$dll" ]; then
  dotnet build "$repo/server/src/EtlAgent.LanguageServer" -c Release --nologo -v q
fi

workspace="$(mktemp -d)"
trap 'rm -rf "$workspace"' EXIT
cp -r "$repo/tests/fixtures/lsp/." "$workspace/"

export ETL_AGENT_SERVER_DLL="$dll" ETL_AGENT_WORKSPACE="$workspace"
status=0
timeout 120 nvim --headless -u NONE -i NONE -n -c "luafile $here/lsp_test.lua" || status=$?
if [ "$status" -eq 0 ]; then
  echo "neovim: 1 passed, 0 failed"
else
  echo "neovim: 0 passed, 1 failed (exit $status)"
fi
exit "$status"
