#!/usr/bin/env bash
# Debian packages the test suite needs, installed only when missing:
#   chromium  - the browser the Playwright tests drive (no browser download)
#   gettext   - msgfmt, to compile translations after `make messages`
#   nodejs, npm - the OpenID provider of the sign-in tests (npm oidc-provider)
#   libpango-1.0-0, libpangoft2-1.0-0 - WeasyPrint's text layout (certificate PDFs)
#   fonts-dejavu-core - a font with å, ä, ö for the certificates
#   wrk       - the load generator of `make bench` (with `system-deps.sh bench`)
set -euo pipefail
# `system-deps.sh demo` installs only what the running platform needs.
missing=()
if [ "${1:-}" = "bench" ]; then
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi
if [ "${1:-}" != "demo" ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
    # The OpenID provider of the sign-in tests runs on Node.js.
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "Missing Debian packages: ${missing[*]}. Install them with: apt-get install ${missing[*]}" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
