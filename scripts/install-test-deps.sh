#!/usr/bin/env bash
# Installs the system tools the end-to-end and peer tests drive (see docs / test/helpers/peers.ts):
# xmlsec1, OneLogin python3-saml, pysaml2, awscli, Chromium, slapd (+ ldap-utils, openssl), and
# SimpleSAMLphp served by PHP's built-in server (php-cli, with the DOM/XML and mbstring extensions it needs).
# Debian/Ubuntu only. apt is skipped entirely when everything is already present.
set -euo pipefail

APT_PACKAGES=(xmlsec1 python3-onelogin-saml2 python3-pysaml2 awscli bsdutils chromium slapd ldap-utils openssl ca-certificates simplesamlphp php-cli php-xml php-mbstring)
# The Debian interpreter on purpose: a pyenv/venv python3 on PATH cannot import Debian's packages.
SYSTEM_PYTHON=/usr/bin/python3

missing=()
check() {
  local label="$1"
  shift
  if "$@" >/dev/null 2>&1; then
    echo "install-test-deps: ok       $label"
  else
    echo "install-test-deps: MISSING  $label"
    missing+=("$label")
  fi
}

check_all() {
  missing=()
  check "xmlsec1" command -v xmlsec1
  check "python3-onelogin-saml2 + python3-pysaml2 ($SYSTEM_PYTHON -c 'import onelogin.saml2, saml2')" \
    "$SYSTEM_PYTHON" -c 'import onelogin.saml2, saml2'
  check "awscli (/usr/bin/aws)" test -x /usr/bin/aws
  check "script from util-linux (pseudo-terminal for the sesame-aws prompt tests)" command -v script
  check "chromium (/usr/bin/chromium)" test -x /usr/bin/chromium
  check "slapd (/usr/sbin/slapd)" test -x /usr/sbin/slapd
  check "openssl" command -v openssl
  check "ldap-utils (ldapadd)" command -v ldapadd
  check "simplesamlphp (/usr/share/simplesamlphp/www)" test -f /usr/share/simplesamlphp/www/module.php
  check "php-cli + php-xml + php-mbstring (php -r with DOMDocument, mb_strlen)" php -r 'exit(class_exists("DOMDocument") && function_exists("mb_strlen") ? 0 : 1);'
}

check_all
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-deps: everything present; skipping apt-get"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "install-test-deps: ERROR: missing ${missing[*]}; not root and no passwordless sudo." >&2
  echo "install-test-deps: run as root: apt-get install -y --no-install-recommends ${APT_PACKAGES[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: ERROR: missing ${missing[*]} and apt-get is not available (Debian/Ubuntu only)." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-test-deps: running apt-get update"
"${SUDO[@]}" apt-get update
echo "install-test-deps: running apt-get install -y --no-install-recommends ${APT_PACKAGES[*]}"
"${SUDO[@]}" apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"

echo "install-test-deps: re-checking after apt-get"
check_all
if [ "${#missing[@]}" -ne 0 ]; then
  echo "install-test-deps: ERROR: still missing after apt-get install: ${missing[*]}" >&2
  exit 1
fi
echo "install-test-deps: installed ${APT_PACKAGES[*]}"
