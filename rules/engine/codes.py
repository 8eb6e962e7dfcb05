"""The engine's own codes. They have no `check`: the parser, the suppression pass and the rule
runner report them, so they are documented, selectable and described in SARIF like any rule."""

from __future__ import annotations

from dbarch_lint.rule import EngineRule, Severity


class InternalError(EngineRule):
    """A rule raised an exception on a statement.

    ## What it does
    Reports a rule that crashed, against that rule and statement. Every other rule still runs on
    the statement, and the rest of the input is still linted. The exit code is 2.

    ## Why is this bad?
    The crashed rule did not check the statement, so a problem it looks for may have been missed.
    It is a bug in dbarch-lint (or in a plugin): please report it with the statement.

    ## Example
    ```sql
    -- any statement on which a rule raises
    ```

    ## Use instead
    ```sql
    -- nothing to change in the SQL; upgrade dbarch-lint or the plugin
    ```
    """

    code = "DBA000"
    name = "internal-error"
    family = "engine"
    severity = Severity.ERROR


class SyntaxError_(EngineRule):
    """A statement does not parse.

    ## What it does
    Reports a statement that the PostgreSQL grammar (or the dialect's parser) rejects, at the
    parser's position. The file's other statements are still parsed and linted. A hint is added
    where a common mistake is recognised, e.g. `UNIQUE (...) WHERE ...` inside `CREATE TABLE`.

    ## Why is this bad?
    The migration fails when it reaches this statement, and nothing in the statement was checked.

    ## Example
    ```sql
    CREATE TABL users (id bigint);
    ```

    ## Use instead
    ```sql
    CREATE TABLE users (id bigint);
    ```
    """

    code = "DBA001"
    name = "syntax-error"
    family = "engine"
    severity = Severity.ERROR


class UnrecognizedStatement(EngineRule):
    """A statement was parsed but is not modelled by the rules.

    ## What it does
    Reports a statement that changes the schema or takes locks in a form the rules do not model
    (for example a statement the other-dialect parser only understood as a bare command, or a
    statement nested too deeply to analyse). It is never silently treated as clean.
    Queries, SET, COMMENT, GRANT/REVOKE and similar statements are understood and not reported.

    In PL/pgSQL that runs now (a DO block, or a function or procedure the migration creates and
    then calls), `EXECUTE` of a string literal, of literals joined by `||` or of `format()` with
    literal arguments is linted at the literal's place; an `EXECUTE` of SQL built at run time
    (from a variable, `quote_ident(...)`, ...) whose literal parts change the schema is this
    finding, at the `EXECUTE`.

    In MySQL, SQL run from a string is checked where the string is written: `PREPARE p FROM
    @s` (or from a literal) followed by `EXECUTE p`, where `@s` was set from string literals
    (`SET @s = IF(cond, '<DDL>', 'SELECT 1')`, `SELECT ... INTO @s`, `CASE`, `CONCAT` of
    literals and of variables holding one known string); the branches are alternatives of
    conditional DDL, as the `IF`/`ELSEIF`/`ELSE` and `CASE` of a procedure created in the file,
    which is checked as its body at its first `CALL`: each alternative is checked against the
    schema before the condition, one whose `information_schema` count or `EXISTS` guard
    (`COLUMNS`, `TABLES`, `STATISTICS`, `TABLE_CONSTRAINTS`, `KEY_COLUMN_USAGE`, directly or
    through a variable) the replay contradicts is not checked, and afterwards the replay keeps
    what the alternatives that may have run agree on. Reported here
    instead: an `EXECUTE` of SQL built from something the tool cannot read (a column, a variable
    with several possible values, a statement prepared in another file), and a `CALL` of a
    procedure the file does not create. A `PREPARE` never executed runs nothing.

    ## Why is this bad?
    No rule checked this statement: a lock or a breaking change in it would go unnoticed.

    ## Example
    ```sql
    ALTER TABLE orders SET SCHEMA archive;
    ```

    ## Use instead
    ```sql
    -- review the statement by hand, then suppress the finding:
    ALTER TABLE orders SET SCHEMA archive; -- noqa: DBA002
    ```
    """

    code = "DBA002"
    name = "unrecognized-statement"
    family = "engine"
    severity = Severity.WARNING


class UnusedSuppression(EngineRule):
    """A suppression comment names an unknown code or suppresses nothing.

    ## What it does
    In a target file, reports a `-- noqa:`, `-- dbarch-lint: disable=` or
    `-- dbarch-lint: file-noqa:` comment that names one of our codes or rule names (or a
    configured plugin prefix) which is unknown, or which suppresses no finding there. A bare
    `-- noqa`, or one naming only other tools' codes (e.g. sqlfluff's `LT01`), is left alone.

    ## Why is this bad?
    A stale suppression hides the next real problem on that statement, and a misspelt one
    suppresses nothing while looking as if it did.

    ## Example
    ```sql
    CREATE TABLE users (id bigint PRIMARY KEY); -- noqa: DBA101
    ```

    ## Use instead
    ```sql
    CREATE TABLE users (id bigint PRIMARY KEY);
    ```
    """

    code = "DBA003"
    name = "unused-suppression"
    family = "engine"
    severity = Severity.WARNING


class UnreadableFile(EngineRule):
    """A file cannot be read or decoded.

    ## What it does
    Reports a file that cannot be read (missing, permission denied, a symbolic link loop) or is
    not text in the configured `encoding` (default UTF-8), naming the byte offset of the first
    bad byte. Also a file that is not a regular one (a FIFO, socket or device: never opened, as
    reading one can hang the run), a file whose text holds a NUL character (PostgreSQL stops
    reading there), and a symbolic link that leads out of the project (not followed unless
    `follow-outside-links` is set).

    ## Why is this bad?
    Nothing in the file was checked, and the migration runner will likely fail on it too.

    ## Example
    ```sql
    -- a file saved as Latin-1 holding: INSERT INTO t VALUES ('caf\xe9');
    ```

    ## Use instead
    ```sql
    -- save the file as UTF-8, or set `encoding = "latin-1"` in the configuration
    ```
    """

    code = "DBA004"
    name = "unreadable-file"
    family = "engine"
    severity = Severity.ERROR
