"""A fork of the replayed schema (the replay of a down migration) never changes the original."""

from __future__ import annotations

from dbarch_lint.catalog import Origin, Schema
from dbarch_lint.model.ir import QName, Statement
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres

UP = """
CREATE SCHEMA app;
CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE, name text);
CREATE TABLE posts (
    id bigint PRIMARY KEY,
    user_id bigint CONSTRAINT posts_user_fk REFERENCES users,
    title text
);
CREATE INDEX posts_title_idx ON posts (title);
CREATE UNIQUE INDEX users_name_idx ON users (name);
CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);
CREATE TABLE events_2024 (id bigint, at timestamptz);
CREATE TABLE app.things (id bigint PRIMARY KEY);
CREATE INDEX things_id_idx ON app.things (id);
CREATE TABLE tags (id bigint CONSTRAINT tags_pk PRIMARY KEY, name text UNIQUE, note text);
CREATE TYPE mood AS ENUM ('happy');
"""

DOWN = """
ALTER INDEX posts_title_idx RENAME TO posts_title_index;
ALTER TABLE users RENAME COLUMN id TO user_id;
ALTER TABLE users RENAME TO members;
ALTER INDEX users_email_key RENAME TO members_email_key;
ALTER TABLE posts RENAME CONSTRAINT posts_pkey TO posts_pk;
ALTER TABLE posts DROP CONSTRAINT posts_user_fk;
ALTER TABLE posts ALTER COLUMN title TYPE varchar(100), ALTER COLUMN title SET NOT NULL;
ALTER TABLE posts DROP COLUMN title;
ALTER TABLE members ADD CONSTRAINT members_name_key UNIQUE USING INDEX users_name_idx;
ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
DROP INDEX app.things_id_idx;
DROP SCHEMA app CASCADE;
CREATE TABLE posts (id int);
CREATE INDEX ON posts (id);
ALTER TABLE posts ADD CONSTRAINT posts_tag_fk FOREIGN KEY (id) REFERENCES tags;
ALTER TYPE mood ADD VALUE 'sad';
CREATE TYPE colour AS ENUM ('red');
DROP TABLE members;
ALTER TABLE tags DROP CONSTRAINT tags_pk;
ALTER TABLE tags RENAME CONSTRAINT tags_name_key TO tags_name_unique;
ALTER TABLE tags RENAME COLUMN note TO remark;
"""


def _statements(sql: str, file_index: int) -> list[tuple[Statement, Origin]]:
    source = SourceFile(f"{file_index}.sql", sql)
    return [
        (statement, Origin(file_index, statement.index, source.path, statement.span))
        for statement in parse_postgres(source).statements
    ]


def _replay(schema: Schema, sql: str, file_index: int) -> None:
    for statement, origin in _statements(sql, file_index):
        schema.apply(statement, origin)


def _state(schema: Schema) -> str:
    tables = sorted(schema.tables.items(), key=lambda item: str(item[0]))
    indexes = sorted(schema.indexes.items(), key=lambda item: str(item[0]))
    seen = sorted(name for name in _names(schema) if name in schema.seen)
    labels = {name: list(values) for name, values in schema.enum_values.items()}
    state = (schema.search_path, tables, indexes, schema.relations, schema.types)
    return repr((*state, schema.referrers, labels, seen))


def _names(schema: Schema) -> set[str]:
    """Every name `schema.seen` may hold (a fork's holds its own over its parent's)."""
    seen: object = schema.seen
    names: set[str] = set()
    while isinstance(seen, set):
        names |= seen
        seen = getattr(seen, "parent", None)
    return names | {"posts_tag_fk", "colour", "nothing"}


def test_a_fork_never_changes_the_schema_it_came_from() -> None:
    base = Schema()
    _replay(base, UP, 0)
    before = _state(base)
    fork = base.fork()
    _replay(fork, DOWN, 1)
    assert _state(base) == before
    # The fork itself moved on.
    posts, events, events_2024 = (QName("public", n) for n in ("posts", "events", "events_2024"))
    assert set(fork.tables) == {posts, events, events_2024, QName("public", "tags")}
    assert fork.tables[events_2024].partition_of == events
    assert base.tables[events_2024].partition_of is None
    assert list(fork.tables[posts].columns) == ["id"]
    assert list(base.tables[posts].columns) == ["id", "user_id", "title"]


def test_a_fork_replays_like_the_schema_itself() -> None:
    whole = Schema()
    _replay(whole, UP, 0)
    _replay(whole, DOWN, 1)
    base = Schema()
    _replay(base, UP, 0)
    fork = base.fork()
    _replay(fork, DOWN, 1)
    assert _state(fork) == _state(whole)


def test_a_fork_forks_too_and_changes_neither_ancestor() -> None:
    whole = Schema()
    _replay(whole, UP, 0)
    _replay(whole, DOWN, 1)
    base = Schema()
    _replay(base, UP, 0)
    before = _state(base)
    down = _statements(DOWN, 1)
    fork = base.fork()
    for statement, origin in down[: len(down) // 2]:
        fork.apply(statement, origin)
    fork_before = _state(fork)
    fork_of_fork = fork.fork()
    for statement, origin in down[len(down) // 2 :]:
        fork_of_fork.apply(statement, origin)
    assert (_state(base), _state(fork)) == (before, fork_before)
    assert _state(fork_of_fork) == _state(whole)


def test_foreign_keys_follow_renames_of_both_tables() -> None:
    schema = Schema()
    _replay(
        schema,
        """
        CREATE TABLE users (id bigint PRIMARY KEY, boss bigint REFERENCES users);
        CREATE TABLE posts (id bigint PRIMARY KEY, author bigint REFERENCES users (id));
        ALTER TABLE posts RENAME TO articles;
        ALTER TABLE users RENAME TO members;
        ALTER TABLE members RENAME COLUMN id TO member_id;
        ALTER TABLE members RENAME TO people;
        ALTER TABLE people RENAME COLUMN member_id TO person_id;
        """,
        0,
    )
    people = QName("public", "people")
    for name in ("people", "articles"):
        (key,) = [c for c in schema.tables[QName("public", name)].constraints if c.ref_table]
        assert (key.ref_table, key.ref_columns) == (people, ["person_id"])
