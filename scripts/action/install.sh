#!/usr/bin/env bash
# The GitHub Action's install step: dbarch-lint from the action's own checkout (the version the
# workflow pinned with `uses: ...@ref`), in a virtual environment of its own so that neither the
# project's packages nor its Python tools change what it runs.
set -euo pipefail

python="${INPUT_PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    found="$("$python" --version 2>&1 || echo "not found")"
    echo "::error title=dbarch-lint::dbarch-lint needs Python 3.11 or later, and $python is: $found. Add actions/setup-python (python-version: \"3.12\") before this action."
    exit 1
fi
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this script as a step of the GitHub Action}/dbarch-lint-venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${GITHUB_ACTION_PATH:?}"
echo "bin=$venv/bin" >>"${GITHUB_OUTPUT:?}"
