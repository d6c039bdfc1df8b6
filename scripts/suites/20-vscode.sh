#!/usr/bin/env bash
# Real VS Code end to end: code-server 4.100.3 (VS Code 1.100.3 served to a browser) with the
# packaged extension installed, driven through Debian's Chromium by playwright-core
# (tests/vscode-e2e). Installs what it needs on a fresh machine: Debian packages, code-server into
# a cache folder outside the repository (reused when present), npm packages; packages the
# extension unless a fresh etl-agent.vsix is there. Screenshots go to
# artifacts/test-results/vscode-e2e/. Ends with "vscode-e2e: N passed, M failed"; if code-server
# cannot be installed or started, that is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
RESULTS="$ROOT/artifacts/test-results"
SHOTS="$RESULTS/vscode-e2e"
CODE_SERVER_VERSION=4.100.3
CACHE="${ETLAGENT_CACHE:-$HOME/.cache/etl-agent}"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"

fail() {
  echo "vscode-e2e: $*" >&2
  echo "vscode-e2e: 0 passed, 1 failed"
  exit 1
}

echo "== Debian packages (chromium; ripgrep, libkrb5-dev, pkg-config for code-server's install)"
missing=()
for p in libkrb5-dev pkg-config ripgrep chromium; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing ${missing[*]}"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" \
    || fail "apt-get install ${missing[*]} failed"
fi

# A usable install has run code-server's postinstall (VS Code's own node_modules, with ripgrep).
code_server_ok() {
  local dir=$1
  [ -x "$dir/node_modules/.bin/code-server" ] \
    && [ -x "$dir/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
    && [ -e "$dir/node_modules/code-server/lib/vscode/node_modules.asar" ] \
    && "$dir/node_modules/.bin/code-server" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION "
}

echo "== code-server $CODE_SERVER_VERSION ($CS_DIR)"
if code_server_ok "$CS_DIR"; then
  echo "reusing $("$CS_BIN" --version 2>/dev/null | head -1)"
else
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" = 20 ] || fail "code-server $CODE_SERVER_VERSION needs Node 20 (this is Node $(node --version))"
  # Its install downloads ripgrep from GitHub unless an archive is cached here: use Debian's rg.
  rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  rg_archive="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$rg_archive" ]; then
    mkdir -p "$rg_cache" && tmp=$(mktemp -d) && cp "$(command -v rg)" "$tmp/rg" \
      && tar -czf "$rg_archive" -C "$tmp" rg && rm -rf "$tmp" || fail "could not stage ripgrep for code-server's install"
  fi
  # Install into a scratch folder and move it into place only once it works, so a failed or
  # interrupted install is never mistaken for a good one. npm 11 runs dependency install scripts
  # only when allowed: code-server's postinstall (VS Code's modules) and argon2's native build.
  staging="$CS_DIR.installing-$$"
  rm -rf "$staging" && mkdir -p "$staging"
  cat > "$staging/package.json" <<EOF
{"name":"etl-agent-code-server-cache","private":true,"dependencies":{"code-server":"$CODE_SERVER_VERSION"},"allowScripts":{"argon2":true,"code-server":true}}
EOF
  echo "installing (a few minutes: native modules are compiled); log: $staging/install.log"
  if ! (cd "$staging" && npm_config_unsafe_perm=true npm_config_yes=true \
        npm install --no-audit --no-fund --loglevel=warn > install.log 2>&1); then
    tail -30 "$staging/install.log" >&2
    fail "npm install code-server@$CODE_SERVER_VERSION failed (log: $staging/install.log)"
  fi
  code_server_ok "$staging" || { tail -30 "$staging/install.log" >&2; fail "code-server $CODE_SERVER_VERSION installed but does not run (postinstall skipped?); log: $staging/install.log"; }
  rm -rf "$CS_DIR" && mv "$staging" "$CS_DIR" || fail "could not move the install to $CS_DIR"
  echo "installed $("$CS_BIN" --version 2>/dev/null | head -1)"
fi

echo "== npm packages (playwright-core)"
if ! (cd tests/vscode-e2e && node -e "require.resolve('playwright-core')" 2>/dev/null); then
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
fi

# Rebuild only what changed since the last build: the packaged extension (server inside) and the
# CLI the tests compare the editor with.
newer_sources() {
  [ -n "$(find server/src vscode-extension/src vscode-extension/package.json \( -name bin -o -name obj \) -prune -o -type f -newer "$1" -print -quit 2>/dev/null)" ]
}
echo "== packaged extension (vscode-extension/etl-agent.vsix)"
VSIX=vscode-extension/etl-agent.vsix
if [ ! -s "$VSIX" ] || newer_sources "$VSIX"; then
  npm run package || fail "npm run package failed"
else
  echo "reusing $VSIX (newer than the server and extension sources)"
fi
echo "== etl-agent CLI (Release)"
CLI_DLL=$(ls server/src/EtlAgent.Cli/bin/Release/net*/etl-agent.dll 2>/dev/null | head -1)
if [ -z "$CLI_DLL" ] || newer_sources "$CLI_DLL"; then
  dotnet build server/src/EtlAgent.Cli -c Release --nologo -v q || fail "dotnet build of the CLI failed"
fi

echo "== VS Code end to end (tests/vscode-e2e; screenshots in $SHOTS)"
rm -rf "$SHOTS" && mkdir -p "$SHOTS"
export VSCODE_E2E_CODE_SERVER="$CS_BIN" VSCODE_E2E_VSIX="$ROOT/$VSIX" VSCODE_E2E_ARTIFACTS="$SHOTS"
# The spec reporter for people, TAP into a file for the counts (the summary line below is the
# only count this log carries).
tap="$SHOTS/results.tap"
(cd tests/vscode-e2e && timeout 900 node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" test/)
status=$?
pass=$(grep -E '^# pass [0-9]+' "$tap" 2>/dev/null | awk '{s+=$3} END {print s+0}')
# A test cancelled because its set-up failed (code-server did not start, say) counts as failed.
fails=$(grep -E '^# (fail|cancelled) [0-9]+' "$tap" 2>/dev/null | awk '{s+=$3} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$fails" -eq 0 ]; then
  [ "$status" -eq 124 ] && echo "vscode-e2e: the suite ran out of its 15 minutes" >&2
  fails=1
fi
[ "$pass" -eq 0 ] && [ "$fails" -eq 0 ] && fails=1   # nothing ran is a failure, not a pass
echo "screenshots: $(ls "$SHOTS"/*.png 2>/dev/null | wc -l) in $SHOTS"
echo "vscode-e2e: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
