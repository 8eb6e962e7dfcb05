"""Configuration: `[tool.dbarch-lint]` in pyproject.toml or a `dbarch-lint.toml`, merged with the
command line (which wins), validated strictly: unknown keys, codes and values are usage errors
with a "did you mean" suggestion."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import field

from dbarch_lint.caching.files import read_regular
from dbarch_lint.model.errors import UsageError
from dbarch_lint.model.findings import Severity
from dbarch_lint.runners import OPTIONS as RUNNER_OPTIONS
from dbarch_lint.runners import RUNNERS

if TYPE_CHECKING:
    from dbarch_lint.linting.rule_base import Rule

FAIL_ON = ("error", "warning", "info", "never")
PG_VERSIONS = range(10, 19)
IF_NOT_EXISTS = ("existing", "new")
# `preset`: the rules a framework's conventions turn off (a decision the team made once, which
# would otherwise be reported on every object). Prisma names every constraint itself, quotes
# PascalCase names by default and has no identity columns (`@default(autoincrement())` is
# serial).
PRESETS: dict[str, tuple[str, ...]] = {"prisma": ("DBA101", "DBA208")}


# (A Struct, not a dataclass: a dataclass's methods are compiled when its class is made, on
# every start of the command line.)
class Config(msgspec.Struct):
    """Every setting, with its default. Field names are the config keys with `_` for `-`.

    A `baseline` or `write-baseline` in a config file is relative to its directory.
    """

    format: str = "text"
    output_file: str | None = None
    sarif_file: str | None = None  # also write SARIF of the same run there (the GitHub Action)
    dialect: str = "postgres"
    pg_version: int = 16
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    fail_on: str = "warning"
    runner: str = "auto"
    # Whether each file runs inside one transaction; None: as its runner does (plain: no).
    assume_in_transaction: bool | None = None
    runners: dict[str, dict[str, Any]] = field(default_factory=dict)  # runner -> its options
    show_source: bool = False
    no_color: bool = False
    jobs: int | None = None  # processes to lint in; None: one per core
    cache: bool = True
    diff_base: str | None = None  # git ref: report only on files added or changed since
    check_down: bool = True  # lint down migrations (files and dbmate's `migrate:down` sections)
    baseline: str | None = None  # findings recorded there are hidden
    write_baseline: str | None = None  # record this run's findings there
    statistics: bool = False  # after the report, counts per rule and how many are fixable
    fix: bool = False  # apply the safe rewrites (`fixes`)
    diff: bool = False  # show them as a diff instead
    unsafe_fixes: bool = False  # `fix` and `diff` take the unsafe rewrites too
    migrations: list[str] = field(default_factory=list)
    # Files named one by one replay their inferred history (when `migrations` is not set).
    context: bool = True
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    force_exclude: bool = False  # `exclude` applies to files named one by one too
    allow_empty: bool = False  # a folder or glob with nothing to lint is not an error
    follow_outside_links: bool = False  # read files symbolic links take out of the project
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    per_file_dialect: dict[str, str] = field(default_factory=dict)  # pattern -> dialect
    encoding: str = "utf-8"
    # A schema dump (pg_dump / mysqldump) replayed first, never linted: the state production is
    # in before the history (relative to the config file's directory).
    schema_snapshot: str | None = None
    # A `CREATE TABLE IF NOT EXISTS` of a table the replay had not seen: an existing table that
    # may hold rows (`existing`), or a new one (`new`: the history always starts empty).
    if_not_exists: str = "existing"
    # The Prisma version the project uses (e.g. "7.3"): decides how Prisma sends a migration
    # to PostgreSQL; None: from the lockfile or package.json.
    prisma_version: str | None = None
    # A named bundle of selections for a framework's conventions (`PRESETS`).
    preset: str | None = None
    plugins: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Not settable from files:
    path: str | None = None  # the config file read, if any
    root: str = "."  # globs in config are relative to this directory


# Each key of the files: its field, and the field's annotation (as written).
_FILE_KEYS = {
    name.replace("_", "-"): (name, Config.__annotations__[name])
    for name in Config.__struct_fields__
    if name not in ("path", "root")
}


def suggest(word: str, choices: Iterable[str]) -> str:
    """` (did you mean "x"?)` for the closest choice, or nothing."""
    import difflib  # only a mistake needs it

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{match[0]}"?)' if match else ""


def find_config(start: str) -> str | None:
    """The nearest `dbarch-lint.toml`, or `pyproject.toml` with `[tool.dbarch-lint]`, upward."""
    for candidate in config_candidates(start):
        if candidate.endswith("pyproject.toml"):
            if _has_our_table(candidate):
                return candidate
        elif os.path.lexists(candidate):  # (`load` says why one that is there cannot be read)
            return candidate
    return None


def config_candidates(start: str) -> Iterator[str]:
    """The files `find_config` looks at, nearest first."""
    directory = os.path.abspath(start)
    while True:
        yield os.path.join(directory, "dbarch-lint.toml")
        yield os.path.join(directory, "pyproject.toml")
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def _has_our_table(pyproject: str) -> bool:
    """Whether a pyproject.toml (if any) has a `[tool.dbarch-lint]` table; one that does not
    parse is a config error (skipping it would apply a parent folder's config)."""
    try:
        raw = read_regular(pyproject)[1]
    except FileNotFoundError:
        return False
    except OSError as error:  # (a parent folder's config must not apply in its place)
        raise UsageError(f"cannot read {pyproject}: {error.strerror or error}") from None
    if b"dbarch-lint" not in raw:  # most projects: no need to load the TOML parser
        return False
    return "dbarch-lint" in _parse_toml(pyproject, raw).get("tool", {})


def _parse_toml(path: str, raw: bytes) -> dict[str, Any]:
    """The TOML document, or a config error naming the line and column tomllib names."""
    import tomllib  # (only with a config file: a run without one need not load it)

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path}: invalid TOML: byte 0x{raw[error.start]:02x} at offset {error.start} is "
            "not UTF-8 (save the file as UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        # tomllib gives the place only in its message (attributes came in Python 3.14).
        found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(error), re.S)
        where = f"{path}:{found[2]}:{found[3]}" if found else path
        raise UsageError(f"{where}: invalid TOML: {found[1] if found else error}") from None


def load(path: str | None) -> Config:
    """Read and validate a config file (None: defaults)."""
    config = Config()
    if path is None:
        return config
    try:
        document = _parse_toml(path, read_regular(path)[1])
    except OSError as error:
        raise UsageError(f"cannot read config file {path}: {error.strerror or error}") from None
    table = (
        document.get("tool", {}).get("dbarch-lint", {})
        if path.endswith("pyproject.toml")
        else document
    )
    config.path = path
    config.root = os.path.dirname(os.path.abspath(path))
    for key, value in table.items():
        apply(config, key, value, where=path)
    for name in ("baseline", "write_baseline", "schema_snapshot"):
        value = getattr(config, name)
        if value is not None:
            setattr(config, name, os.path.join(config.root, value))
    return config


def apply(config: Config, key: str, value: Any, where: str = "command line") -> None:
    """Set one setting after checking its type and value."""
    spec = _FILE_KEYS.get(key)
    if spec is None:
        raise UsageError(f"{where}: unknown setting {key!r}{suggest(key, _FILE_KEYS)}")
    name, annotation = spec
    value = _check_type(key, value, annotation, where)
    # (`dialect` and `per-file-dialect` name the parsers plugins provide: checked by the run)
    choices = {
        "format": None,
        "fail-on": FAIL_ON,
        "runner": RUNNERS,
        "if-not-exists": IF_NOT_EXISTS,
        "preset": tuple(PRESETS),
    }.get(key)
    if choices and value not in choices:
        allowed = ", ".join(choices)
        raise UsageError(
            f"{where}: {key} = {value!r} is not one of {allowed}{suggest(str(value), choices)}"
        )
    if key == "encoding":
        _check_encoding(value, where)
    if key == "jobs" and value < 1:
        raise UsageError(f"{where}: jobs = {value} must be at least 1")
    if key == "pg-version" and value not in PG_VERSIONS:
        raise UsageError(f"{where}: pg-version = {value} is not supported (use 10 to 18)")
    if key == "runners":
        _check_runner_options(value, where)
    if key == "prisma-version" and not re.fullmatch(r"\d+(\.\d+){0,2}", value):
        raise UsageError(f'{where}: prisma-version = {value!r} is not a version such as "7.3"')
    if key == "severity":
        for code, level in value.items():
            if level not in ("error", "warning", "info"):
                hint = suggest(str(level), ["error", "warning", "info"])
                raise UsageError(
                    f"{where}: severity of {code} = {level!r} is not error, warning or info{hint}"
                )
    setattr(config, name, value)


def _check_encoding(name: str, where: str) -> None:
    """A codec that decodes text: not rot13, base64 or zlib, which transform data (str.encode
    refuses them), nor "undefined", which fails on everything."""
    try:
        codecs.lookup(name)
    except LookupError:
        raise UsageError(f"{where}: encoding = {name!r} is not an encoding Python knows") from None
    try:
        "SQL".encode(name)
    except (LookupError, UnicodeError):
        raise UsageError(
            f"{where}: encoding = {name!r} is not a text encoding: name the one the files are "
            "saved in, such as utf-8, utf-16 or latin-1"
        ) from None


def _check_runner_options(tables: dict[str, Any], where: str) -> None:
    """`[runners.<name>]` tables: known runners, known options, booleans."""
    for name, table in tables.items():
        if name not in RUNNER_OPTIONS:
            if name in RUNNERS:
                raise UsageError(f"{where}: runners.{name}: this runner takes no options")
            hint = suggest(name, RUNNER_OPTIONS)
            raise UsageError(f"{where}: runners.{name}: unknown runner{hint}")
        if not isinstance(table, dict):
            raise UsageError(f"{where}: runners.{name} must be a table of options")
        known = RUNNER_OPTIONS[name]
        for option, value in table.items():
            if option not in known:
                hint = suggest(option, known)
                raise UsageError(
                    f"{where}: runners.{name}: unknown option {option!r}{hint} "
                    f"(options: {', '.join(known)})"
                )
            if not isinstance(value, bool):
                raise UsageError(f"{where}: runners.{name}.{option} must be true or false")


def _check_type(key: str, value: Any, annotation: Any, where: str) -> Any:
    text = str(annotation)
    if text.startswith("dict"):
        if not isinstance(value, dict):
            raise UsageError(f"{where}: {key} must be a table")
        if key == "per-file-ignores":
            value = {k: [v] if isinstance(v, str) else v for k, v in value.items()}
            if not all(
                isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()
            ):
                raise UsageError(f"{where}: {key} must map globs to lists of codes")
    elif "list[str]" in text:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: {key} must be a list of strings")
    elif "bool" in text and "int" not in text:
        if not isinstance(value, bool):
            raise UsageError(f"{where}: {key} must be true or false")
    elif "int" in text:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"{where}: {key} must be an integer")
    elif "str" in text and not isinstance(value, str):
        raise UsageError(f"{where}: {key} must be a string")
    return value


# --- selection, severity and rule options ----------------------------------------------------


def resolve_tokens(tokens: Sequence[str], rules: Sequence[type[Rule]], what: str) -> set[str]:
    """The codes named by codes, code prefixes or rule names; unknown ones are usage errors."""
    codes: set[str] = set()
    names = {r.name: r.code for r in rules}
    for raw in tokens:
        token = raw.strip()
        if not token:
            continue
        if token.lower() in names:
            codes.add(names[token.lower()])
            continue
        matched = {r.code for r in rules if r.code.startswith(token.upper())}
        if not matched:
            hint = suggest(token, [*names, *(r.code for r in rules)])
            raise UsageError(f"{what}: unknown rule code or name {token!r}{hint}")
        codes |= matched
    return codes


def enabled_codes(config: Config, rules: Sequence[type[Rule]]) -> frozenset[str]:
    """Which rules run: `select` replaces the defaults (less what the `preset` turns off),
    `extend-select` adds, `ignore` wins."""
    if config.select is not None:
        enabled = resolve_tokens(config.select, rules, "select")
    else:
        enabled = {r.code for r in rules if r.default_enabled}
        enabled -= set(PRESETS.get(config.preset or "", ()))
    enabled |= resolve_tokens(config.extend_select, rules, "extend-select")
    enabled -= resolve_tokens(config.ignore, rules, "ignore")
    enabled.add("DBA000")  # cannot be ignored
    return frozenset(enabled)


def severities(config: Config, rules: Sequence[type[Rule]]) -> dict[str, Severity]:
    """Severity overrides by code."""
    overrides: dict[str, Severity] = {}
    for token, level in config.severity.items():
        for code in resolve_tokens([token], rules, "severity"):
            overrides[code] = Severity(level)
    return overrides


def rule_options(config: Config, rules: Sequence[type[Rule]]) -> dict[str, Any]:
    """Each configured rule's options (an instance of its `options_type`), validated against
    the fields it declares."""
    options: dict[str, Any] = {}
    by_code = {r.code: r for r in rules}
    for token, values in config.rules.items():
        codes = resolve_tokens([token], rules, "rules")
        if len(codes) != 1:
            raise UsageError(
                f"rules.{token}: options must name exactly one rule (a code or a name)"
            )
        rule = by_code[codes.pop()]
        fields = rule.option_fields()
        if not isinstance(values, Mapping):
            raise UsageError(f"rules.{token} must be a table of options")
        kwargs = {}
        for key, value in values.items():
            spec = fields.get(key)
            if spec is None:
                known = ", ".join(fields) or "none"
                hint = suggest(key, fields)
                raise UsageError(f"rules.{token}: unknown option {key!r}{hint} (options: {known})")
            default = spec.default
            _check_option(f"rules.{token}.{key}", value, default)
            kwargs[spec.attribute] = tuple(value) if isinstance(default, tuple) else value
        try:
            options[rule.code] = rule.options_type(**kwargs)
        except (TypeError, ValueError) as error:
            raise UsageError(f"rules.{token}: {error}") from None
    return options


def _check_option(where: str, value: Any, default: Any) -> None:
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, (tuple, list)):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    else:
        ok = True
    if not ok:
        wanted = type(default).__name__.replace("tuple", "a list of strings")
        raise UsageError(f"{where} must be {wanted}, not {value!r}")
