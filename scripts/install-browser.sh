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
  echo "install-browser: $1; install chromium-headless-shell at $CHROMIUM (or set HAVEN_CHROMIUM)" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "install-browser: Chromium is required when CI=true" >&2
    exit 1
  fi
  echo "install-browser: the browser tests will be skipped" >&2
  exit 0
}

. "$(dirname "$0")/apt.sh"
apt_install missing "headless Chromium (about 25 s)" chromium-headless-shell

[ -x "$CHROMIUM" ] || missing "apt-get finished but $CHROMIUM is still missing"
