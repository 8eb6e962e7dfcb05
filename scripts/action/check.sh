#!/usr/bin/env bash
# The GitHub Action's check step: one run of dbarch-lint that prints the annotations (format
# github) and writes SARIF beside them (`--sarif-file`), then the job summary. It exits 0 and
# leaves the run's exit code in the step's outputs, so that the upload step can still send the
# SARIF of a failing run; the action's last step fails with that code.
#
# Inputs come as environment variables (the action maps them): DBARCH_LINT_BIN (the install
# step's bin folder), INPUT_PATHS (one per line), INPUT_CONFIG, INPUT_FORMAT, INPUT_DIFF_BASE
# ("auto": the pull request's base), INPUT_FAIL_ON, INPUT_SARIF_UPLOAD, HEAD_REPO (the pull
# request's head repository), and GitHub's own: GITHUB_BASE_REF, GITHUB_EVENT_NAME,
# GITHUB_REPOSITORY, GITHUB_ACTOR, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP.
set -uo pipefail

bin="${DBARCH_LINT_BIN:?DBARCH_LINT_BIN is not set: the install step names the bin folder}"
sarif="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/dbarch-lint.sarif"
format="${INPUT_FORMAT:-github}"
code=0

# A workflow command's message: %, CR and LF escaped as the runner unescapes them.
escape() {
    local text="${1//%/%25}"
    text="${text//$'\r'/%0D}"
    printf '%s' "${text//$'\n'/%0A}"
}
fail() {
    echo "::error title=dbarch-lint::$(escape "$1")"
    code=2
}

# The pull request's base, as actions/checkout leaves it with fetch-depth: 0.
diff_base="${INPUT_DIFF_BASE-auto}"
if [[ "$diff_base" == auto ]]; then
    diff_base=""
    if [[ -n "${GITHUB_BASE_REF:-}" ]]; then
        diff_base="origin/$GITHUB_BASE_REF"
    fi
fi
if [[ -n "$diff_base" ]]; then
    if ! git rev-parse --verify --quiet "$diff_base^{commit}" >/dev/null \
        || ! git merge-base HEAD "$diff_base" >/dev/null 2>&1; then
        fail "diff-base $diff_base is not in this checkout, or shares no history with it: check out with actions/checkout's fetch-depth: 0 (or set diff-base to a fetched ref, or to \"\" to lint every file)"
    fi
fi

upload=off
case "${INPUT_SARIF_UPLOAD:-true}" in
true)
    upload=on
    # A pull request from a fork, and Dependabot's, run with a read-only token: code scanning
    # would refuse the upload.
    if [[ "${GITHUB_EVENT_NAME:-}" == pull_request && -n "${HEAD_REPO:-}" \
        && "$HEAD_REPO" != "${GITHUB_REPOSITORY:-}" ]]; then
        upload=fork
        echo "::notice title=dbarch-lint::SARIF not uploaded: a pull request from a fork ($(escape "$HEAD_REPO")) gets a read-only token, which may not write code-scanning alerts. The annotations and the job summary show the findings."
    elif [[ "${GITHUB_ACTOR:-}" == "dependabot[bot]" ]]; then
        upload=read-only
        echo "::notice title=dbarch-lint::SARIF not uploaded: Dependabot's token is read-only. The annotations and the job summary show the findings."
    fi
    ;;
false) ;;
*) fail "sarif-upload must be true or false, not \"$INPUT_SARIF_UPLOAD\"" ;;
esac

args=(check --format "$format" --sarif-file "$sarif")
if [[ -n "${INPUT_CONFIG:-}" ]]; then args+=(--config "$INPUT_CONFIG"); fi
if [[ -n "${INPUT_FAIL_ON:-}" ]]; then args+=(--fail-on "$INPUT_FAIL_ON"); fi
if [[ -n "$diff_base" ]]; then args+=(--diff-base "$diff_base"); fi
paths=()
while IFS= read -r path; do
    if [[ -n "$path" ]]; then paths+=("$path"); fi
done <<<"${INPUT_PATHS:-}"

rm -f "$sarif"
if [[ "$code" == 0 ]]; then
    "$bin/dbarch-lint" "${args[@]}" -- "${paths[@]}"
    code=$?
fi

if [[ ! -f "$sarif" && "$upload" == on ]]; then
    upload=off # (nothing to upload: the run stopped before its report)
fi
if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    summary=("$sarif" --exit-code "$code" --upload "$upload")
    if [[ "$format" == github ]]; then summary+=(--annotated); fi
    # -I: the working directory is the checkout being linted; none of its modules may load.
    "$bin/python" -I -m dbarch_lint.reporting.github_summary "${summary[@]}" >>"$GITHUB_STEP_SUMMARY" \
        || echo "::warning title=dbarch-lint::the job summary could not be written"
fi
{
    echo "exit-code=$code"
    echo "sarif-file=$sarif"
    echo "upload=$([[ "$upload" == on ]] && echo true || echo false)"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run this script as a step of the GitHub Action}"
exit 0
