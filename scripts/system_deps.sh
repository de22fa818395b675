#!/usr/bin/env bash
# Debian packages the project needs beyond Python: Chromium for the browser tests, Noto CJK for
# Chinese text in PDFs, Pango for WeasyPrint, poppler-utils to read PDFs back, the PostgreSQL
# client for backups. Installs only what is missing.
set -euo pipefail
pkgs=(chromium chromium-driver fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b postgresql-client gettext redis-server)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
