#!/usr/bin/env bash
# The browser tests' one requirement beyond the local stack: Debian's Chromium
# (driven by playwright-core, which never downloads a browser of its own) and
# a font with Hangul glyphs, installed with apt-get when missing.
set -euo pipefail
missing=()
[[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if ((${#missing[@]} > 0)); then
  printf '[browser] installing Debian packages: %s\n' "${missing[*]}"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
printf '[browser] %s\n' "$("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null || echo 'chromium: version unknown')"
