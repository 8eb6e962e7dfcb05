"""Finding input files, reading them, and putting the migration history in order."""

from __future__ import annotations

import os
import re
import stat as kinds
from collections.abc import Iterable, Sequence

import msgspec

from dbarch_lint.caching.files import Stat, digest, file_stat, read_regular
from dbarch_lint.inputs.patterns import PathPatterns
from dbarch_lint.model.ir import Diagnostic, Span
from dbarch_lint.model.regex import lazy
from dbarch_lint.runners import FileRun, sequelize
from dbarch_lint.runners.naming import is_down

STDIN = "-"
_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".dbarch-lint-cache",
}


class Input(msgspec.Struct):
    """One file of the run: where it is, how it is shown, its text or why it has none."""

    path: str  # shown to users: relative to the working directory, POSIX separators
    fs_path: str | None  # None for stdin
    text: str | None = None
    problem: Diagnostic | None = None  # DBA004 when unreadable
    position_text: str = ""  # what positions of `problem` refer to, when there is no `text`
    down: bool = False  # a down migration: linted, never replayed
    digest: str = ""  # hash of the bytes read (the cache's key for the file)
    stat: Stat | None = None  # as `file_stat` saw it just before reading
    run: FileRun | None = None  # how its runner runs it (decided once the run's files are read)
    dialect: str = "postgres"  # the SQL dialect it is written in (`dialect`, `per-file-dialect`)
    new_since_base: bool | None = None  # not on the `--diff-base` base (None: no --diff-base)
    snapshot: bool = False  # the `schema-snapshot`: replayed first, never linted
    # Not read yet: an earlier file known unchanged by its stat (the cache's `FileIndex`), with
    # its `digest` and `stat` from there; `text` comes when something needs it (`read_into`).
    unread: bool = False


def _has_magic(path: str) -> bool:
    """`glob.has_magic`: whether a path holds a wildcard or a bracket."""
    return "*" in path or "?" in path or "[" in path


def display_path(path: str, cwd: str, here: str | None = None) -> str:
    """A path relative to `cwd` when inside it, with `/` separators. (`here`: the process's
    working directory, if the caller has it: asking for it again costs a system call.)"""
    here = here or os.getcwd()
    if here == cwd and _plain_relative(path):  # a walk below the working directory
        return path if os.sep == "/" else path.replace(os.sep, "/")
    absolute = _absolute(path, here)
    inside = cwd.rstrip(os.sep) + os.sep
    # Inside `cwd`, without relpath's work (it adds up over thousands of files).
    if len(absolute) > len(inside) and absolute.startswith(inside):
        return absolute[len(inside) :].replace(os.sep, "/")
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:
        relative = absolute
    if relative.startswith(".."):
        relative = os.path.normpath(path) if not os.path.isabs(path) else absolute
    return relative.replace(os.sep, "/")


def _plain_relative(path: str) -> bool:
    """Whether a path is relative and already normal (no `.`, `..` or empty parts)."""
    if os.sep == "/" and not os.altsep:  # (substring tests: it is asked of every file)
        return _posix_plain(path)
    parts = (path.replace(os.altsep, os.sep) if os.altsep else path).split(os.sep)
    return not os.path.isabs(path) and "" not in parts and "." not in parts and ".." not in parts


def _posix_plain(path: str) -> bool:
    # (an empty part, a `.` or a `..` is `//`, `/./` or `/../` between added slashes; a
    # leading `/` makes an empty first part)
    wrapped = f"/{path}/"
    return "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped


def display_paths(paths: Sequence[str], cwd: str, here: str) -> list[str]:
    """`display_path` of each of `paths` (those found by a walk below the working directory
    are shown as they are, without a call each)."""
    if here == cwd and os.sep == "/" and not os.altsep:
        return [path if _posix_plain(path) else display_path(path, cwd, here) for path in paths]
    return [display_path(path, cwd, here) for path in paths]


def _absolute(path: str, here: str) -> str:
    """`os.path.abspath(path)`, given the working directory (and cheap for a plain path)."""
    if _plain_relative(path):
        if os.sep == "/" and not os.altsep:  # (`os.path.join`'s answer, without its layers)
            return (here if here.endswith("/") else here + "/") + path
        return os.path.join(here, path)
    return os.path.normpath(os.path.join(here, path))


def expand(
    paths: Sequence[str],
    excluded: PathPatterns | None = None,
    *,
    force_exclude: bool = False,
    allow_empty: bool = False,
    not_sql: list[str] | None = None,
    entered: list[str] | None = None,
    root: str | None = None,
) -> tuple[list[str], list[str]]:
    """Files named by paths, directories (recursively, `*.sql`) and globs, without those
    `excluded` matches (files named one by one only with `force_exclude`); and what went wrong,
    each a usage error: a path that does not exist, a folder that cannot be listed, and unless
    `allow_empty` a folder or glob that gives no file to lint. A file named, or matched by a
    glob, that is not `*.sql` is not linted: it goes into `not_sql` (the run says how many).
    `entered`: the folders the walks entered below the paths are added to it (none was a
    symbolic link when listed: `Confinement` need not ask again). `root`: the project's folder,
    above which no `.sequelizerc` is read (a run passes it; None: no bound)."""
    finder = _Finder(excluded, root)
    if entered is not None:
        finder.entered = entered
    files: list[str] = []
    # (one folder walked, or one file, holds each file once: `_unique` is for the rest)
    once = len(paths) == 1
    for path in paths:
        if path == STDIN:
            files.append(STDIN)
            continue
        if os.path.isdir(path):
            found = finder.walk(path)
        elif os.path.exists(path):
            named = finder.kept([path]) if force_exclude else [path]
            files.extend(_sql_only(named, not_sql, finder.root))
            continue
        elif _has_magic(path):
            import glob  # (here: a glob that names no file as it is, rare; glob imports fnmatch)

            once = False  # (a folder a glob matches, and a file in it)
            found = []
            for match in sorted(glob.glob(path, recursive=True)):
                if os.path.isdir(match):
                    found += finder.walk(match)
                else:
                    found += _sql_only(finder.kept([match]), not_sql, finder.root)
        else:
            finder.errors.append(f"{path}: no such file or directory")
            continue
        if not found and not allow_empty:
            finder.errors.append(f"{path}: {_NOTHING_TO_LINT}")
        files.extend(found)
    return (files if once else _unique(files)), finder.errors


def _sql_only(files: list[str], not_sql: list[str] | None, root: str | None) -> list[str]:
    """The migrations of `files` (`*.sql`, and Sequelize's JavaScript or TypeScript in a
    migrations folder); the others go into `not_sql`."""
    sql = [file for file in files if is_migration(file, root)]
    if not_sql is not None:
        not_sql.extend(file for file in files if not is_migration(file, root))
    return sql


def is_migration(path: str, root: str | None = None) -> bool:
    """Whether a file is a migration to lint: `*.sql`, or a JavaScript or TypeScript file in
    a Sequelize migrations folder (`migrations/`, or the `migrations-path` of a `.sequelizerc`
    between it and `root`, the project's folder; a run always says which: None, any folder
    above it)."""
    if path.lower().endswith(".sql"):
        return True
    return sequelize.is_script(path) and sequelize.is_migration(path, _configured(path, root))


def _configured(path: str, root: str | None) -> tuple[str, ...]:
    """The migrations folders the `.sequelizerc` files above a script configure, up to the
    project's folder: one above it is a configuration from outside the project, never read."""
    top = os.path.abspath(root or os.sep)
    folder = os.path.dirname(os.path.abspath(path))
    found = []
    while folder == top or folder.startswith(os.path.join(top, "")):
        rc = os.path.join(folder, ".sequelizerc")
        if os.path.isfile(rc):
            configured, _ = sequelize.configured_folder(rc)
            if configured is not None:
                found.append(configured)
        if folder == top:
            break
        folder = os.path.dirname(folder)
    return tuple(found)


def found_below(
    cwd: str,
    excluded: PathPatterns | None = None,
    *,
    allow_empty: bool = False,
    root: str | None = None,
) -> tuple[list[str], list[str]]:
    """What a run without paths lints: `*.sql` below `cwd`, without what `.gitignore` (in a
    git work tree) and `excluded` exclude; and what went wrong, as `expand` says it."""
    finder = _Finder(excluded, root)
    listed = _git_files(cwd, finder.root)
    if listed is None:
        files = finder.walk(cwd)
    else:
        files = finder.kept(listed[0])
        for folder, why in listed[1]:
            if not finder.is_excluded(folder, folder=True):
                finder.unlisted(folder, why)
    if not files and not allow_empty:
        finder.errors.append(f"{display_path(cwd, os.getcwd())}: {_NOTHING_TO_LINT}")
    return files, finder.errors


_NOTHING_TO_LINT = (
    "no SQL file to lint here (none found, or all excluded); pass --allow-empty if that is expected"
)


def _unique(files: list[str]) -> list[str]:
    """Each file once (the first time it is named), however it was named."""
    seen: set[str] = set()
    unique = []
    here = os.getcwd()
    for file in files:
        key = file if file == STDIN else _absolute(file, here)
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique


class _Finder:
    """Lists files, leaving out what `excluded` matches, and collects what went wrong."""

    def __init__(self, excluded: PathPatterns | None, root: str | None = None) -> None:
        self.excluded = excluded
        self.errors: list[str] = []
        self._here = os.getcwd()
        self.root = root  # (the project: `.sequelizerc` files are read below it; None: anywhere)
        self.entered: list[str] = []  # the folders walked below a root (none a link)

    def kept(self, files: list[str]) -> list[str]:
        """The files `excluded` does not match."""
        return [file for file in files if not self.is_excluded(file)]

    def is_excluded(self, path: str, folder: bool = False) -> bool:
        patterns = self.excluded
        return patterns is not None and patterns.matches(_absolute(path, self._here), folder)

    def unlisted(self, folder: str, why: str) -> None:
        """Report a folder that cannot be listed. An error rather than a DBA004: a folder has
        no text a finding could point into, and the files it hides leave the run as incomplete
        as a missing path does (also an error). The rest is still linted."""
        self.errors.append(
            f"{display_path(folder, self._here, self._here)}: cannot list this folder ({why}): "
            "the migrations in it would go unlinted; make it readable, or exclude it"
        )

    def walk(self, root: str) -> list[str]:
        """`*.sql` files below `root`, as `os.walk` would find them (symlinked folders are not
        entered), in no particular order (the runner orders them), at half its cost."""
        found: list[str] = []
        pending = [root]
        excluded = self.excluded is not None
        entered = self.entered
        while pending:
            folder = pending.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = list(listing)
            except OSError as error:
                self.unlisted(folder, error.strerror or str(error))
                continue
            # (the working directory's entries by their names: `./` would make every path
            # found below it one that must be normalised to be shown)
            here = folder == os.curdir
            for entry in entries:
                name = entry.name
                try:
                    is_folder = entry.is_dir()
                except OSError:  # a symbolic link in a loop: read (and reported) if named as SQL
                    is_folder = False
                if is_folder:
                    if name not in _SKIP_DIRS and not entry.is_symlink():
                        path = name if here else entry.path
                        if not (excluded and self.is_excluded(path, folder=True)):
                            pending.append(path)
                            entered.append(path)
                elif (
                    name.endswith(".sql")  # (most are: no lowercase copy of the name)
                    or name.lower().endswith(".sql")
                    or (sequelize.is_script(name) and is_migration(entry.path, self.root))
                ):
                    path = name if here else entry.path
                    if not (excluded and self.is_excluded(path)):
                        found.append(path)
        return found


def read(
    path: str,
    fs_path: str | None,
    encoding: str,
    stdin: str | bytes | None = None,
    confinement: Confinement | None = None,
) -> Input:
    """Read and decode one file (`fs_path` None: stdin, given as text or bytes); problems
    become a DBA004 diagnostic, never an exception. A file that a symbolic link takes out of
    the `confinement` is not read."""
    item = Input(path, fs_path, down=is_down(path))
    if fs_path is None and not isinstance(stdin, bytes):
        text = stdin or ""
        item.digest = digest(text.encode("utf-8"))
    else:
        data = stdin if fs_path is None else _file_bytes(item, fs_path, confinement)
        if not isinstance(data, bytes):
            return item
        item.digest = digest(data)
        try:
            text = data.decode(encoding)
        except UnicodeError as error:  # (some codecs, punycode, raise it undecorated)
            _not_decodable(item, data, encoding, error)
            return item
    text = text.lstrip("\ufeff")
    nul = text.find("\x00")
    if nul != -1:  # (tested on the text: a UTF-16 file has NUL bytes, but no NUL characters)
        offset = len(text[:nul].encode("utf-8"))
        item.position_text = text
        item.problem = Diagnostic(
            "DBA004",
            "File contains a NUL character, where PostgreSQL stops reading: what follows would "
            "go unlinted; remove it (or, for a UTF-16 file, set `encoding`)",
            Span(offset, offset + 1),
        )
        return item
    item.text = text
    return item


def known(path: str, fs_path: str, digest: str, stat: Stat) -> Input:
    """A file known unchanged by its stat, not read: its content hash is the one recorded when
    it was last read (and decoded), and it is read when something needs its text."""
    return Input(path, fs_path, down=is_down(path), digest=digest, stat=stat, unread=True)


def read_into(item: Input, encoding: str, confinement: Confinement | None = None) -> None:
    """Read a file `known` unchanged, in place (what else the run decided of it stays)."""
    if not item.unread:
        return
    found = read(item.path, item.fs_path, encoding, None, confinement)
    item.unread = False
    item.text, item.problem, item.position_text = found.text, found.problem, found.position_text
    item.digest, item.stat = found.digest, found.stat


def _not_decodable(item: Input, data: bytes, encoding: str, error: UnicodeError) -> None:
    """DBA004 at the first byte that cannot be decoded (where the codec says which)."""
    start = error.start if isinstance(error, UnicodeDecodeError) else 0
    try:
        item.position_text = data.decode(encoding, errors="replace")
        offset = len(data[:start].decode(encoding, errors="replace").encode("utf-8"))
    except UnicodeError:  # (a codec that cannot even replace)
        item.position_text, offset = data.decode("utf-8", errors="replace"), 0
    located = isinstance(error, UnicodeDecodeError) and start < len(data)
    where = f"byte 0x{data[start]:02x} at offset {start}" if located else "its text"
    item.problem = Diagnostic(
        "DBA004",
        f"File is not valid {encoding}: {where} cannot be decoded; save it as {encoding} or set "
        "`encoding` in the configuration",
        Span(offset, offset + 1),
    )


def _file_bytes(item: Input, fs_path: str, confinement: Confinement | None) -> bytes | None:
    """A file's bytes, its stat recorded in `item`; None, with the problem recorded, when it
    cannot or must not be read."""
    target = None
    # (a file no link, in a folder that stays in the project, stays there: a look at the file
    # and the folder's verdict, made once per folder, say so without working out its real path)
    if confinement is not None and (_is_link(fs_path) or confinement.folder_escapes(fs_path)):
        target = confinement.escape(fs_path)
    if target is not None:
        item.problem = Diagnostic(
            "DBA004",
            f"Not read: a symbolic link takes this path to {target}, outside the project; "
            "pass --follow-outside-links (or set follow-outside-links) to lint it",
            Span(0, 0),
        )
        return None
    try:
        found, data = read_regular(fs_path)
    except OSError as error:
        reason = error.strerror or str(error)
        item.problem = Diagnostic("DBA004", f"Cannot read file: {reason}", Span(0, 0))
        return None
    item.stat = file_stat(found)
    return data


class Confinement:
    """The project folder, which symbolic links may not lead out of unless
    `follow-outside-links` is set (a link planted in a repository could otherwise show any
    file the user can read, with `--show-source`)."""

    def __init__(self, root: str, walked: Iterable[str] = ()) -> None:
        """`walked`: folders a walk of this run entered, which were no symbolic links when
        their folder was listed (`expand`'s `entered`): their own lstat is not taken again."""
        self._inside = os.path.join(os.path.realpath(root), "")
        self._here = os.getcwd()
        self._real_folders: dict[str, str] = {}
        self._walked = set(walked)
        self._escaping: dict[str, bool] = {}  # folder as given (with its separator) -> verdict
        self._unmoved: dict[str, bool] = {}  # plain relative folder -> `_in_place`

    def escape(self, path: str, link: bool = True) -> str | None:
        """Where `path` really is, when a symbolic link on its way takes it out of the project
        (None: it stays inside, or involves no link: a file named outside is linted). `link`
        False: the caller knows the file itself is no link (only its folders may be)."""
        absolute = _absolute(path, self._here)
        folder, name = os.path.split(absolute)
        real = os.path.join(self._real_folder(folder), name)
        if link and os.path.islink(real):
            real = os.path.realpath(real)
        return None if real == absolute or real.startswith(self._inside) else real

    def folder_escapes(self, path: str) -> bool:
        """Whether a symbolic link among the folders on the way to `path` takes it out of the
        project (`escape(path, link=False)`)."""
        return self.folders_escape([path])[0]

    def folders_escape(self, paths: Sequence[str]) -> list[bool]:
        """`folder_escapes` of each of `paths`, decided once per folder (a history has
        thousands of files in hundreds of folders)."""
        verdicts = self._escaping
        separator, special = os.sep, ("", os.curdir, os.pardir)
        found = []
        for path in paths:
            folder, slash, name = path.rpartition(separator)
            if os.altsep or name in special:
                found.append(self.escape(path, link=False) is not None)
                continue
            key = folder + slash  # ("": the working directory; "/": the root)
            verdict = verdicts.get(key)
            if verdict is None:
                verdict = verdicts[key] = self._folder_escapes(folder, key)
            found.append(verdict)
        return found

    def _folder_escapes(self, folder: str, key: str) -> bool:
        # (whether a name in the folder escapes does not depend on the name)
        if not folder or _plain_relative(folder):
            if self._in_place(folder):
                return False  # (`escape`: the file's real path is its path)
            absolute = self._absolute_folder(folder)
            # (a folder walked was no link: its lstat is not taken again)
            real = self._real_folder(absolute, folder in self._walked)
            # (`escape`: the file's real path is not its path, nor inside the project)
            return real != absolute and not os.path.join(real, "").startswith(self._inside)
        return self.escape(key + "x", link=False) is not None

    def _in_place(self, folder: str) -> bool:
        """Whether a plain relative folder ("": the working directory) really is where its
        path says, no symbolic link on its way. A folder walked was no link: its parent
        decides, without an lstat or a path made (decided once per folder)."""
        found = self._unmoved.get(folder)
        if found is None:
            if folder in self._walked:
                found = self._in_place(folder.rpartition(os.sep)[0])
            else:
                absolute = self._absolute_folder(folder)
                found = self._real_folder(absolute) == absolute
            self._unmoved[folder] = found
        return found

    def _absolute_folder(self, folder: str) -> str:
        """`os.path.join(here, folder)` of a plain relative folder, without its layers."""
        here = self._here
        if not folder:
            return here
        return (here if here.endswith(os.sep) else here + os.sep) + folder

    def _real_folder(self, folder: str, walked: bool = False) -> str:
        """`os.path.realpath(folder)`, at the cost of one `lstat` per folder (speed: a
        history of thousands of files has hundreds of folders); `walked`: it was no link when
        this run's walk listed it (no lstat)."""
        real = self._real_folders.get(folder)
        if real is None:
            parent, _, name = folder.rpartition(os.sep)
            if os.altsep or not parent or parent.endswith(os.sep):  # (`os.path.split`'s cases;
                parent, name = os.path.split(folder)  # the others: its answer, without its layers)
            if not name:  # (the root)
                real = folder
            elif not walked and _is_link(folder):
                real = os.path.realpath(folder)
            else:
                above = self._real_folders.get(parent) or self._real_folder(parent)
                real = above + name if above.endswith(os.sep) else above + os.sep + name
            self._real_folders[folder] = real
        return real


def _is_link(path: str) -> bool:
    """`os.path.islink`, without its layers (asked of every folder of a history)."""
    try:
        return kinds.S_ISLNK(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def _git_files(cwd: str, root: str | None) -> tuple[list[str], list[tuple[str, str]]] | None:
    """`*.sql` files git lists below `cwd`, without those `.gitignore` excludes, and the
    folders it could not list, with why (None: not a git work tree)."""
    import subprocess  # costs start-up time; only a run without paths needs it

    def git(*args: str) -> subprocess.CompletedProcess[bytes]:
        environment = {**os.environ, "LC_ALL": "C"}  # (its warnings are read)
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=True, timeout=30, env=environment
        )

    try:
        patterns = ["*.sql", *(f"*{extension}" for extension in sequelize.EXTENSIONS)]
        listed = git(
            "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *patterns
        )
        unlisted = _UNLISTED.findall(listed.stderr.decode(errors="replace"))
        # (git names them from the top of the work tree)
        top = git("rev-parse", "--show-toplevel").stdout.decode().strip() if unlisted else cwd
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(
        os.path.join(cwd, p)
        for p in listed.stdout.decode().split("\0")
        if p
        and os.path.lexists(os.path.join(cwd, p))  # (not deleted since the last commit)
        and (p.lower().endswith(".sql") or is_migration(os.path.join(cwd, p), root))
    )
    return files, [(os.path.normpath(os.path.join(top, f)), why) for f, why in unlisted]


# git's warning for a folder it cannot open (dir.c), in the C locale.
_UNLISTED = lazy(r"^warning: could not open directory '(.*)': (.*)$", re.M)
