#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser). `playwright install`
# is never used: it downloads its own browser build from a host that may be
# unreachable. Quick when Chromium is already there. With CI=true a browser that
# is still missing afterwards fails; elsewhere the browser tests skip and say why.
set -euo pipefail

CHROMIUM=${HAVEN_CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
  exit 0
fi

missing() {
  echo "install-browser: $1" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "install-browser: Chromium is required when CI=true" >&2
    exit 1
  fi
  echo "install-browser: the browser tests will be skipped" >&2
  exit 0
}

command -v apt-get >/dev/null 2>&1 ||
  missing "no apt-get here; install Chromium at $CHROMIUM (or set HAVEN_CHROMIUM)"

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  missing "not root and no sudo: run 'apt-get install chromium' as root"
fi

echo "== installing Chromium from Debian (about 25 s, once)"
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq --no-install-recommends chromium >/dev/null

[ -x "$CHROMIUM" ] || missing "apt-get finished but $CHROMIUM is still missing"
