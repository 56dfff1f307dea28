#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser test (tests/test_web_browser.py), which drives it with
# Playwright. Playwright's own browser downloads are not used. Never fails the test run: without apt (or without
# root) the browser test skips and says why.
set -u
CHROMIUM=${KNEEDRIVE_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup_browser: no apt-get here; the browser test will be skipped (install Chromium at $CHROMIUM to run it)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "setup_browser: not root and no password-less sudo; the browser test will be skipped"
    echo "setup_browser: to run it: sudo apt-get install -y chromium"
    exit 0
  fi
fi
LOG=$(mktemp /tmp/kneedrive-setup-browser.XXXXXX.log)
echo "setup_browser: installing Debian's chromium for the browser test (log: $LOG)"
if $SUDO apt-get update -qq >"$LOG" 2>&1 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >>"$LOG" 2>&1; then
  echo "setup_browser: chromium installed at $(command -v chromium)"
else
  echo "setup_browser: could not install chromium (see $LOG); the browser test will be skipped"
fi
exit 0
