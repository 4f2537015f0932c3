#!/usr/bin/env bash
# Debian's headless Chromium for the browser tests (tests/browser): the
# chromium-headless-shell package, the same Blink without the desktop browser
# around it, which is what Playwright itself runs headless and runs the suite
# in about 60 % of the time the full `chromium` takes. `playwright install`
# is never used: it downloads its own browser build from a host that may be
# unreachable. Quick when Chromium is already there. With CI=true a browser that
# is still missing afterwards fails; elsewhere the browser tests skip and say why.
set -euo pipefail

CHROMIUM=${HAVEN_CHROMIUM:-/usr/bin/chromium-headless-shell}

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
  missing "not root and no sudo: run 'apt-get install chromium-headless-shell' as root"
fi

echo "== installing headless Chromium from Debian (about 25 s, once)"
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq --no-install-recommends chromium-headless-shell >/dev/null

[ -x "$CHROMIUM" ] || missing "apt-get finished but $CHROMIUM is still missing"
