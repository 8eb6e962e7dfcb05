"""The command line's grammar: commands and options declared as data, the arguments parsed as
click parsed them (options and paths in any order, `--` ending the options, `--opt=value`,
clustered short flags, `-j4`, the last of a repeated option winning, a value taken whatever it
starts with), and help in click's layout. Standard library only, and little of it: a one-file
`check` in an editor spends a good part of its time starting up, and click's import alone was
6% of it (issue #17).

A command line that cannot be run raises `CommandLineError`: one line that says what is wrong
and what to do, which `cli` prints (exit 2)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Sequence
from typing import Any

FLAG = "FLAG"  # (an option's kinds: a flag, or what its value is)
TEXT = "TEXT"
FILE = "FILE"
INTEGER = "INTEGER"
_HELP = "HELP"
_VERSION = "VERSION"


class CommandLineError(Exception):
    """A command line that cannot be run: the message says what is wrong and what to do."""


class Option:
    """One option: its names (`-j`, `--jobs`), the parameter it sets, its kind (`FLAG`, `TEXT`,
    `FILE`, `INTEGER`, or the tuple of its choices), its help and its default (a flag's:
    false; a value's: None). A flag with `off` is a pair (`--x/--no-x`): the second name sets
    it false."""

    __slots__ = ("default", "dest", "help", "kind", "metavar", "names", "off")

    def __init__(
        self,
        *names: str,
        kind: str | tuple[str, ...] = TEXT,
        help: str = "",
        dest: str | None = None,
        default: Any = ...,
        off: str | None = None,
        metavar: str | None = None,
    ) -> None:
        self.names = names
        self.kind = kind
        self.help = help
        self.dest = dest or names[-1].lstrip("-").replace("-", "_")
        # (a flag is false unless said; `default=None` keeps "not given" apart, for the config)
        if default is ...:
            default = False if kind == FLAG and off is None else None
        self.default = default
        self.off = off
        self.metavar = metavar

    def takes_value(self) -> bool:
        return self.kind not in (FLAG, _HELP, _VERSION)

    def label(self) -> str:
        return "/".join(self.names)

    def convert(self, value: str) -> Any:
        """The option's value from its text, checked as click checked it."""
        if self.kind == INTEGER:
            try:
                return int(value)
            except ValueError:
                raise CommandLineError(
                    f"{self.label()} takes a whole number, not {value!r}"
                ) from None
        if isinstance(self.kind, tuple) and value not in self.kind:
            raise CommandLineError(
                f"{self.label()} takes one of {', '.join(self.kind)}, not {value!r}"
            )
        if self.kind == FILE:
            _check_file(self.label(), value)
        return value

    def usage(self) -> str:
        """The option's column in the help: its names (short first), then what it takes."""
        names = ", ".join(sorted(self.names, key=lambda n: n.startswith("--")))
        if self.off is not None:
            return f"{names} / {self.off}"
        if isinstance(self.kind, tuple):
            return f"{names} [{'|'.join(self.kind)}]"
        return f"{names} {self.metavar or self.kind}" if self.takes_value() else names


def _check_file(label: str, value: str) -> None:
    """A file option names a file, if anything yet: not a directory, nor one we cannot read."""
    try:
        status = os.stat(value)
    except (OSError, ValueError):
        return  # (it need not exist: an output file, a baseline to write)
    if stat.S_ISDIR(status.st_mode):
        raise CommandLineError(f"{label}: {value!r} is a directory, not a file")
    if not os.access(value, os.R_OK):
        raise CommandLineError(f"{label}: {value!r} is not readable")


HELP = Option("-h", "--help", kind=_HELP, help="Show this message and exit.")
VERSION = Option("--version", kind=_VERSION, help="Show the version and exit.")


class Command:
    """A command: its name, the function that runs it (called with a keyword argument per
    option and argument), its help (the function's docstring), its options and its argument:
    `PATHS` (any number, a tuple) or one `RULE`, or none."""

    __slots__ = ("argument", "function", "help", "many", "name", "options")

    def __init__(
        self,
        function: Callable[..., Any],
        options: Sequence[Option],
        argument: str | None = None,
        *,
        many: bool = False,
    ) -> None:
        self.name = function.__name__
        self.function = function
        self.help = " ".join((function.__doc__ or "").split())
        self.options = (*options, HELP)
        self.argument = argument
        self.many = many

    def usage(self) -> str:
        if self.argument is None:
            return "[OPTIONS]"
        return f"[OPTIONS] [{self.argument}]..." if self.many else f"[OPTIONS] {self.argument}"


class Parsed:
    """What a command line asks: the command and its keyword arguments, or help or the
    version (`command` None: the program's own help)."""

    __slots__ = ("command", "eager", "values")

    def __init__(self, command: Command | None, values: dict[str, Any], eager: str | None) -> None:
        self.command = command
        self.values = values
        self.eager = eager


def parse(commands: Sequence[Command], args: Sequence[str]) -> Parsed:
    """The command line `args` (without the program's name) of a program of `commands`."""
    try:
        top, rest = _tokens((VERSION, HELP), args, interspersed=False)
    except CommandLineError as error:
        raise CommandLineError(f"{error}; see '{program()} --help'") from None
    if top.eager is not None:
        return Parsed(None, {}, top.eager)
    names = ", ".join(sorted(command.name for command in commands))
    if not rest:
        raise CommandLineError(f"missing command: one of {names}")
    by_name = {command.name: command for command in commands}
    command = by_name.get(rest[0])
    if command is None:
        raise CommandLineError(
            f"no such command {rest[0]!r}{_suggest(rest[0], by_name)}; the commands: {names}"
        )
    try:
        return _command(command, rest[1:])
    except CommandLineError as error:
        raise CommandLineError(
            f"{command.name}: {error}; see '{program()} {command.name} --help'"
        ) from None


def _command(command: Command, args: Sequence[str]) -> Parsed:
    found, positional = _tokens(command.options, args, interspersed=True)
    if found.eager is not None:
        return Parsed(command, {}, found.eager)
    values = {option.dest: option.default for option in command.options}
    for option, value in found.given:  # (in the order given: the first mistake is told)
        values[option.dest] = option.convert(value) if isinstance(value, str) else value
    if command.argument is None:
        extra = positional
    elif command.many:
        values[command.argument.lower()], extra = tuple(positional), []
    elif positional:
        values[command.argument.lower()], extra = positional[0], positional[1:]
    else:
        raise CommandLineError(f"missing {command.argument} ({command.name} {command.usage()})")
    if extra:
        raise CommandLineError(
            f"unexpected extra argument {extra[0]!r} ({command.name} {command.usage()})"
        )
    for option in (HELP, VERSION):
        values.pop(option.dest, None)
    return Parsed(command, values, None)


class _Found:
    __slots__ = ("eager", "given")

    def __init__(self) -> None:
        self.given: list[tuple[Option, str | bool]] = []
        self.eager: str | None = None


def _tokens(
    options: Sequence[Option], args: Sequence[str], *, interspersed: bool
) -> tuple[_Found, list[str]]:
    """The options given among `args` (value texts unconverted), then the other arguments.
    `-h`/`--help` and `--version` are taken even where other options are wrong, but not where
    the command line cannot be read (an unknown option, a value missing)."""
    by_name: dict[str, tuple[Option, bool]] = {}
    for option in options:
        by_name.update((name, (option, True)) for name in option.names)
        if option.off is not None:
            by_name[option.off] = (option, False)
    found, positional = _Found(), list[str]()
    eager: list[str] = []
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "--":
            positional.extend(args[at:])
            break
        if arg[:1] != "-" or arg == "-":
            positional.append(arg)
            if not interspersed:
                positional.extend(args[at:])
                break
            continue
        if arg[:2] == "--":
            name, equals, value = arg.partition("=")
            option, on = _known(by_name, name)
            if not option.takes_value():
                if equals:
                    raise CommandLineError(f"{name} is a flag: it takes no value")
                _flag(found, eager, option, on)
            elif equals:
                found.given.append((option, value))
            else:
                at = _value(found, option, name, args, at)
            continue
        for position in range(1, len(arg)):  # `-qv`, `-j4`, `-vj 4`
            name = "-" + arg[position]
            option, on = _known(by_name, name)
            if not option.takes_value():
                _flag(found, eager, option, on)
            elif position + 1 < len(arg):
                found.given.append((option, arg[position + 1 :]))
                break
            else:
                at = _value(found, option, name, args, at)
    found.eager = eager[0] if eager else None
    return found, positional


def _known(by_name: dict[str, tuple[Option, bool]], name: str) -> tuple[Option, bool]:
    known = by_name.get(name)
    if known is None:
        raise CommandLineError(f"no such option {name!r}{_suggest(name, by_name)}")
    return known


def _flag(found: _Found, eager: list[str], option: Option, on: bool) -> None:
    if option.kind in (_HELP, _VERSION):
        eager.append(str(option.kind))
    else:
        found.given.append((option, on))


def _value(found: _Found, option: Option, name: str, args: Sequence[str], at: int) -> int:
    if at >= len(args):
        raise CommandLineError(f"{name} needs a value ({name} {option.usage().rsplit(' ', 1)[-1]})")
    found.given.append((option, args[at]))
    return at + 1


def _suggest(word: str, choices: dict[str, Any]) -> str:
    """` (did you mean ...?)` for the close choices (click's: three at most), or nothing."""
    import difflib  # only a mistake needs it

    close = [f'"{choice}"' for choice in sorted(difflib.get_close_matches(word, choices, n=3))]
    if not close:
        return ""
    return f" (did you mean {' or '.join(filter(None, (', '.join(close[:-1]), close[-1])))}?)"


def program() -> str:
    """The program's name as it was started, as click told it: `dbarch-lint`, or `python -m
    dbarch_lint`."""
    main = sys.modules.get("__main__")
    package = getattr(main, "__package__", None)
    name = os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else "dbarch-lint")
    if not package:
        return name
    module = os.path.splitext(name)[0]
    return f"python -m {package if module == '__main__' else package + '.' + module}"


def help_text(commands: Sequence[Command], command: Command | None, summary: str) -> str:
    """`--help` in click's layout, wrapped to the terminal (at most 78 columns)."""
    import shutil
    import textwrap  # (only help needs them)

    width = max(min(shutil.get_terminal_size().columns, 80) - 2, 50)
    options: Sequence[Option]
    if command is None:
        usage, text, options = "[OPTIONS] COMMAND [ARGS]...", summary, (VERSION, HELP)
    else:
        usage, text, options = command.usage(), command.help, command.options
    prefix = f"Usage: {program()} " + ("" if command is None else f"{command.name} ")
    lines = [
        textwrap.fill(usage, width, initial_indent=prefix, subsequent_indent=" " * len(prefix)),
        "",
        textwrap.fill(text, width, initial_indent="  ", subsequent_indent="  "),
        "",
        "Options:",
        *_columns([(option.usage(), option.help) for option in options], width),
    ]
    if command is None:
        limit = width - 6 - max(len(c.name) for c in commands)
        rows = [(c.name, _short(c.help, limit)) for c in sorted(commands, key=lambda c: c.name)]
        lines += ["", "Commands:", *_columns(rows, width)]
    return "\n".join(lines) + "\n"


def _columns(rows: list[tuple[str, str]], width: int) -> list[str]:
    """Two columns (click's `write_dl`): the first at most 30 wide, the text wrapped beside it,
    or below it when the first is longer."""
    import textwrap

    first = min(max(len(name) for name, _ in rows), 30) + 2
    lines = []
    for name, text in rows:
        if not text:
            lines.append(f"  {name}")
            continue
        wrapped = textwrap.wrap(text, max(width - first - 2, 10), replace_whitespace=False)
        if len(name) <= first - 2:
            lines.append(f"  {name:<{first}}{wrapped[0]}")
        else:
            lines += [f"  {name}", " " * (first + 2) + wrapped[0]]
        lines += [" " * (first + 2) + line for line in wrapped[1:]]
    return lines


def _short(text: str, limit: int) -> str:
    """A command's help cut to `limit` (click's short help: the first sentence, shortened)."""
    words = text.split()
    for i, word in enumerate(words):
        if word.endswith(".") and (i == len(words) - 1 or not words[i + 1][0].islower()):
            words = words[: i + 1]
            break
    short = " ".join(words)
    if len(short) <= limit:
        return short
    import textwrap

    return textwrap.shorten(short, limit, placeholder="...", break_on_hyphens=False)
