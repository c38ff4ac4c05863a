#!/bin/sh
# Installs what Roundtable needs on Debian 12: the -dev packages to build ("build"),
# plus chromium, nginx (the reverse-proxy test) and the npm test tools ("test"). As root it runs apt-get itself;
# otherwise it prints the exact command to run.
set -eu
what=${1:-build}
pkgs="build-essential pkg-config libwebsockets-dev libsqlite3-dev libjansson-dev libsodium-dev libmarkdown2-dev libgit2-dev libssl-dev"
[ "$what" = test ] && pkgs="$pkgs libcmocka-dev chromium nginx sqlite3 openssl prometheus strace git nodejs npm clang libclang-rt-14-dev"
missing=""
for p in $pkgs; do
  case "$p" in
    nodejs|npm) command -v "${p%js}" >/dev/null 2>&1 || command -v "$p" >/dev/null 2>&1 || missing="$missing $p" ;;
    *) dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p" ;;
  esac
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $missing >/dev/null
  else
    echo "missing packages:$missing" >&2
    echo "run: sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi
if [ "$what" = test ] && { [ ! -d node_modules/ws ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; }; then
  npm ci --no-audit --no-fund
fi
exit 0
