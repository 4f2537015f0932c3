#!/usr/bin/env bash
# The system libraries a Python dependency builds against: PyICU (the UTS #39
# confusables skeleton the word lists match with) compiles against the
# system's ICU, so it needs ICU's headers, pkg-config and a C++ compiler.
# Quick when they are already there; otherwise installed from Debian's packages.
# Where that cannot be done, it says what to install and fails: pip would fail
# later with a far less helpful message.
set -euo pipefail

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists icu-uc icu-i18n &&
  command -v g++ >/dev/null 2>&1; then
  exit 0
fi

need() {
  echo "install-system-deps: $1" >&2
  echo "install-system-deps: Haven needs ICU's headers, pkg-config and g++" \
    "(Debian/Ubuntu: apt-get install libicu-dev pkg-config g++;" \
    "macOS: brew install icu4c pkg-config, then put icu4c's pkgconfig on PKG_CONFIG_PATH)" >&2
  exit 1
}

. "$(dirname "$0")/apt.sh"
apt_install need "ICU's headers, pkg-config and g++" libicu-dev pkg-config g++
pkg-config --exists icu-uc icu-i18n || need "apt-get finished but ICU is still not found"
