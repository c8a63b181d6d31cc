#!/usr/bin/env bash
# `npm run lint:shell`: shellcheck on every script. Uses shellcheck from PATH, else the Debian package,
# fetched once with `apt-get download` (no root needed) and unpacked into a cache outside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."

checker="$(command -v shellcheck || true)"
if [ -z "$checker" ]; then
  cache="${LAKEHOUSE_TOOLS_CACHE:-$HOME/.cache/lakehouse-tools}"
  checker="$cache/shellcheck/usr/bin/shellcheck"
  if [ ! -x "$checker" ]; then
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
      echo "shellcheck is not installed and this is not a Debian-like system: install shellcheck (https://github.com/koalaman/shellcheck#installing)" >&2
      exit 1
    fi
    mkdir -p "$cache/deb"
    (cd "$cache/deb" && apt-get download shellcheck)
    dpkg-deb -x "$(ls "$cache"/deb/shellcheck_*.deb)" "$cache/shellcheck"
  fi
fi

mapfile -t scripts < <(git ls-files '*.sh')
"$checker" --version | sed -n 2p
"$checker" -x "${scripts[@]}"
