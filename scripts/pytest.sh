#!/usr/bin/env bash
# Runs the PySpark job tests (jobs/tests) in Spark local mode. Makes a venv with the pinned requirements on
# first use, outside the repo (LAKEHOUSE_PYVENV, default ~/.cache/lakehouse-pyvenv), and reuses it while
# jobs/requirements.txt is unchanged. Needs python3 (3.9+) and Java 17+ on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${LAKEHOUSE_PYVENV:-$HOME/.cache/lakehouse-pyvenv}"
stamp="$venv/.requirements"
if ! cmp -s jobs/requirements.txt "$stamp" 2>/dev/null; then
  echo "pytest.sh: installing jobs/requirements.txt into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r jobs/requirements.txt
  cp jobs/requirements.txt "$stamp"
fi
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider jobs/tests "$@"
