#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (tests/e2e/test_admin_screens.py) when it is missing.
# Playwright drives this system browser: its own browser download is not used (and cannot be fetched here).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing: run this script as root (apt-get install chromium); the browser tests skip without it." >&2
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
