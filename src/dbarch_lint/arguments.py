"""The command line's grammar: commands and options declared as data, parsed by the standard
library's `argparse` (options and words in any order, `--` ending the options, `--opt=value`,
clustered short flags, `-j4`, the last of a repeated option winning) and helped in its layout.
Not click: its import alone was 6% of a one-file `check` in an editor (issue #17).

A command line that cannot be run raises `CommandLineError`: one line that says what is wrong
and what to do, which `cli` prints (exit 2)."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

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

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Declare the option to `parser`."""
        settings: dict[str, Any] = {"help": self.help}
        if self.kind in (_HELP, _VERSION):
            settings.update(action=_Asked, const=self.kind)
        else:
            settings.update(dest=self.dest, default=self.default)
            if self.off is not None:  # (`--x/--no-x`: argparse names the second itself)
                assert self.off == "--no-" + self.names[-1][2:], self.off
                settings.update(action=argparse.BooleanOptionalAction)
            elif self.kind == FLAG:
                settings.update(action="store_const", const=True)
            elif isinstance(self.kind, tuple):
                settings.update(choices=self.kind)
            else:
                settings.update(type=_TYPES.get(self.kind, str), metavar=self.metavar or self.kind)
        parser.add_argument(*self.names, **settings)


def _whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None


def _file(value: str) -> str:
    """A file option names a file, if anything yet: not a directory, nor one we cannot read."""
    try:
        status = os.stat(value)
    except (OSError, ValueError):
        return value  # (it need not exist: an output file, a baseline to write)
    if stat.S_ISDIR(status.st_mode):
        raise argparse.ArgumentTypeError(f"{value!r} is a directory, not a file")
    if not os.access(value, os.R_OK):
        raise argparse.ArgumentTypeError(f"{value!r} is not readable")
    return value


_TYPES: dict[str, Callable[[str], Any]] = {INTEGER: _whole_number, FILE: _file}


class _Asked(argparse.Action):
    """`-h`/`--help` or `--version`: answered at once, whatever follows (as click did)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        raise _Eager(self.const)


class _Eager(Exception):
    """Help or the version asked (not a mistake)."""


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


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its mistakes raised (`CommandLineError`), not printed."""

    def error(self, message: str) -> NoReturn:
        raise CommandLineError(message)


class _Formatter(argparse.HelpFormatter):
    """A width of its own while parsing (argparse formats the usage of each option declared):
    the terminal's would import `shutil`, and with it the compressors."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=80)


def _parser(
    command: Command | None, commands: Sequence[Command], *, help: bool, summary: str = ""
) -> _Parser:
    """The parser of `command` (None: the program's); `help`: to show, with the arguments
    (which the parse takes itself: argparse reads `--` wrong where no argument is before it)."""
    formatter = argparse.HelpFormatter if help else _Formatter
    if command is None:
        parser = _Parser(
            program(),
            usage="%(prog)s [OPTIONS] COMMAND [ARGS]...",
            description=summary,
            add_help=False,
            allow_abbrev=False,
            formatter_class=formatter,
        )
        if help:
            listed = parser.add_subparsers(title="commands", metavar="COMMAND")
            for each in sorted(commands, key=lambda c: c.name):
                listed.add_parser(each.name, help=each.help)
        options: Sequence[Option] = (VERSION, HELP)
    else:
        parser = _Parser(
            f"{program()} {command.name}",
            usage=f"%(prog)s {command.usage()}",
            description=command.help,
            add_help=False,
            allow_abbrev=False,
            formatter_class=formatter,
        )
        options = command.options
        if help and command.argument is not None:
            parser.add_argument(command.argument, nargs="*" if command.many else None)
    for option in options:
        option.add_to(parser)
    return parser


def parse(commands: Sequence[Command], args: Sequence[str]) -> Parsed:
    """The command line `args` (without the program's name) of a program of `commands`."""
    names = ", ".join(sorted(command.name for command in commands))
    by_name = {command.name: command for command in commands}
    words = list(args)
    if words[:1] and words[0] not in by_name:  # (options before the command: the program's)
        try:
            top = (VERSION, HELP)
            words = _words(_parser(None, commands, help=False), top, args, first=True)
        except _Eager as asked:
            return Parsed(None, {}, str(asked))
        except CommandLineError as error:
            raise CommandLineError(f"{error}; see '{program()} --help'") from None
    if not words:
        raise CommandLineError(f"missing command: one of {names}")
    command = by_name.get(words[0])
    if command is None:
        raise CommandLineError(
            f"no such command {words[0]!r}{_suggest(words[0], by_name)}; the commands: {names}"
        )
    try:
        return _command(command, commands, words[1:])
    except _Eager as asked:
        return Parsed(command, {}, str(asked))
    except CommandLineError as error:
        raise CommandLineError(
            f"{command.name}: {error}; see '{program()} {command.name} --help'"
        ) from None


def _command(command: Command, commands: Sequence[Command], args: Sequence[str]) -> Parsed:
    parser = _parser(command, commands, help=False)
    namespace = argparse.Namespace()
    words = _words(parser, command.options, args, first=False, namespace=namespace)
    values = vars(namespace)
    if command.argument is None:
        extra = words
    elif command.many:
        values[command.argument.lower()], extra = tuple(words), []
    elif words:
        values[command.argument.lower()], extra = words[0], words[1:]
    else:
        raise CommandLineError(f"missing {command.argument} ({command.name} {command.usage()})")
    if extra:
        raise CommandLineError(
            f"unexpected extra argument {extra[0]!r} ({command.name} {command.usage()})"
        )
    return Parsed(command, values, None)


def _words(
    parser: _Parser,
    options: Sequence[Option],
    args: Sequence[str],
    *,
    first: bool,
    namespace: argparse.Namespace | None = None,
) -> list[str]:
    """The options of `args` parsed (into `namespace`), the other words returned in order; with
    `first`, those from the first word on (a command's: its own)."""
    args = list(args)
    end = args.index("--") if "--" in args else len(args)
    if first:  # (the options before the command: the first word not an option)
        end = next((i for i, a in enumerate(args[:end]) if a[:1] != "-" or a == "-"), end)
    _, rest = parser.parse_known_args(args[:end], namespace)
    unknown = [word for word in rest if word[:1] == "-" and word != "-"]
    if unknown:
        name = unknown[0].partition("=")[0]
        known = [n for o in options for n in (*o.names, *filter(None, [o.off]))]
        raise CommandLineError(f"no such option {name!r}{_suggest(name, known)}")
    return rest + args[end + 1 if end < len(args) and args[end] == "--" else end :]


def _suggest(word: str, choices: Sequence[str] | dict[str, Any]) -> str:
    """` (did you mean ...?)` for the close choices (three at most), or nothing."""
    import difflib  # only a mistake needs it

    close = [f'"{choice}"' for choice in sorted(difflib.get_close_matches(word, choices, n=3))]
    if not close:
        return ""
    return f" (did you mean {' or '.join(filter(None, (', '.join(close[:-1]), close[-1])))}?)"


def program() -> str:
    """The program's name as it was started: `dbarch-lint`, or `python -m dbarch_lint`."""
    main = sys.modules.get("__main__")
    package = getattr(main, "__package__", None)
    name = os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else "dbarch-lint")
    if not package:
        return name
    module = os.path.splitext(name)[0]
    return f"python -m {package if module == '__main__' else package + '.' + module}"


def help_text(commands: Sequence[Command], command: Command | None, summary: str) -> str:
    """`--help`, argparse's, wrapped to the terminal."""
    return _parser(command, commands, help=True, summary=summary).format_help()
