# Sourced by the install scripts: Debian packages installed as root, through
# sudo when not root, waiting for another apt to finish instead of failing.
#
#   apt_install FAIL WHAT PACKAGE...
#
# says "== installing WHAT from Debian" and installs the packages; where that
# cannot be done it calls the function FAIL with the reason, which decides
# whether that ends the script.
apt_install() {
  local fail=$1 what=$2
  shift 2
  if ! command -v apt-get >/dev/null 2>&1; then
    "$fail" "no apt-get here"
    return
  fi
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      "$fail" "not root and no sudo"
      return
    fi
    as_root=(sudo)
  fi
  echo "== installing $what from Debian (once)"
  local apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
}
