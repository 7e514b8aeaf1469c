#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as real components (a browser for pages,
# a reverse proxy in front of the router, promtool to check the Prometheus config). Run by
# `make test-deps` (and so by `make test`); does nothing when every package is already there.
# Needs root (CI and the dev machines are).
set -euo pipefail
# One line per package: <debian package> <command it provides>
PACKAGES=(
  "nginx /usr/sbin/nginx"
  "chromium /usr/bin/chromium"
  "prometheus /usr/bin/promtool"
  "curl /usr/bin/curl"
)
missing=()
for entry in "${PACKAGES[@]}"; do
  read -r package command <<<"$entry"
  [[ -x "$command" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "test-deps: missing ${missing[*]} and not root: the tests that need them will skip" >&2
  exit 0
fi
echo "test-deps: installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
