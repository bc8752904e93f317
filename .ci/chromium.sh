#!/usr/bin/env bash
# Debian's Chromium, for the test that opens the HTML report in a real browser.
set -euo pipefail
command -v chromium >/dev/null && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
