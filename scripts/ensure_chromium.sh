#!/usr/bin/env bash
# Make sure a headless browser is there for the browser tests (tests/browser/):
# Debian's own `chromium` package, driven by the pip `playwright` package through
# executable_path=/usr/bin/chromium (never `playwright install`, which downloads its own build).
# Installs it with apt when missing and we are root; otherwise says what to install and
# exits 0: the browser tests then skip with that reason instead of failing the suite.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo ">> installing chromium (and Arabic-capable fonts) with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
else
  echo "!! chromium is missing: the browser tests will be skipped"
  echo "   install it with: sudo apt-get install chromium"
fi
