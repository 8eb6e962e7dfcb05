"""The names the replay gives unnamed constraints and indexes are the ones PostgreSQL invents
(rules quote them in messages and fixes, and later migrations refer to them): checked by
running the same migration on a real server and reading its catalog."""

from __future__ import annotations

import pglast.keywords

from dbarch_lint.catalog import Origin, Schema
from dbarch_lint.model.ir import quote_ident
from dbarch_lint.model.source import SourceFile
from dbarch_lint.parsing.postgres.parser import parse_postgres
from tests.postgres import Server

MIGRATION = """
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint,
    code text UNIQUE,
    total numeric CHECK (total >= 0),
    lo int, hi int, CHECK (lo < hi),
    UNIQUE (customer_id, code)
);
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE INDEX customers_pkey1 ON orders (hi);
ALTER TABLE customers DROP CONSTRAINT customers_pkey, ADD PRIMARY KEY (id);
ALTER TABLE customers ADD PRIMARY KEY (id), DROP CONSTRAINT customers_pkey;
ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers;
CREATE INDEX ON orders (customer_id);
CREATE INDEX ON orders (customer_id);
CREATE INDEX ON orders (lower(code));
CREATE INDEX ON orders ((code::varchar));
CREATE INDEX ON orders ((lo::text::int));
CREATE INDEX ON orders ((total::text));
CREATE INDEX ON orders ((code COLLATE "C"));
CREATE INDEX ON orders ((coalesce(lo, 0)));
CREATE INDEX ON orders ((CASE WHEN lo > 0 THEN lo END));
CREATE INDEX ON orders ((CASE WHEN lo > 0 THEN lo ELSE hi END));
CREATE INDEX ON orders ((nullif(lo, 0)));
CREATE INDEX ON orders ((greatest(lo, hi)));
CREATE INDEX ON orders ((ARRAY[lo, hi]));
CREATE INDEX ON orders ((lo + hi));
CREATE INDEX ON orders (pg_catalog.upper(code), (lo + hi), id);
ALTER TABLE orders ADD UNIQUE (lo, hi), DROP CONSTRAINT orders_code_key, ADD UNIQUE (code);
CREATE TABLE order_line_items_with_a_rather_long_descriptive_name_for_tests (
    order_identifier_with_a_long_name_too bigint REFERENCES orders,
    UNIQUE (order_identifier_with_a_long_name_too)
);
CREATE TABLE shipments (
    order_id bigint REFERENCES orders DEFERRABLE INITIALLY DEFERRED,
    code text UNIQUE NOT DEFERRABLE INITIALLY IMMEDIATE NOT NULL
);
CREATE UNIQUE INDEX shipments_code_idx ON shipments (code);
ALTER TABLE shipments ADD PRIMARY KEY USING INDEX shipments_code_idx;
"""


def _ours() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    schema = Schema()
    source = SourceFile("names.sql", MIGRATION)
    for statement in parse_postgres(source).statements:
        schema.apply(statement, Origin(0, statement.index, source.path, statement.span))
    constraints = {
        (table.name.name, c.name)
        for table in schema.tables.values()
        for c in table.live_constraints()
    }
    indexes = {(index.table.name, name.name) for name, index in schema.indexes.items()}
    return constraints, indexes


def test_invented_names_match_postgresql(pg_server: Server) -> None:
    with pg_server.connect() as session:
        session.execute(
            "DROP SCHEMA IF EXISTS names CASCADE; CREATE SCHEMA names; SET search_path = names"
        )
        session.execute(MIGRATION)
        constraints = set(
            session.execute(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE connamespace = 'names'::regnamespace AND contype IN ('p', 'u', 'f', 'c')"
            ).fetchall()
        )
        indexes = set(
            session.execute(
                "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'names'"
            ).fetchall()
        )
        session.execute("DROP SCHEMA names CASCADE")
    ours_constraints, ours_indexes = _ours()
    assert ours_constraints == constraints
    assert ours_indexes == indexes


def test_names_are_quoted_as_postgresql_quotes_them(pg_server: Server) -> None:
    keywords = (
        pglast.keywords.RESERVED_KEYWORDS
        | pglast.keywords.COL_NAME_KEYWORDS
        | pglast.keywords.TYPE_FUNC_NAME_KEYWORDS
        | pglast.keywords.UNRESERVED_KEYWORDS
    )
    words = [
        *sorted(keywords),
        "orders",
        "Orders",
        "a b",
        'say "hi"',
        "_x$1",
        "1st",
        "\u00e9t\u00e9",
    ]
    with pg_server.connect() as session:
        theirs = [
            session.execute("SELECT quote_ident(%s)", (word,)).fetchone()[0] for word in words
        ]
    ours = [quote_ident(word) for word in words]
    # pglast's keywords are PostgreSQL 17's: words it made keywords after 15 (json_table,
    # merge_action, ...) are quoted here and not by this server: harmless, the quoted form
    # names the same object on every version
    newer = {word for word, mine, its in zip(words, ours, theirs, strict=True) if mine != its}
    assert all(quote_ident(word) == f'"{word}"' for word in newer)
    assert newer <= {
        "json",
        "json_array",
        "json_arrayagg",
        "json_exists",
        "json_object",
        "json_objectagg",
        "json_query",
        "json_scalar",
        "json_serialize",
        "json_table",
        "json_value",
        "merge_action",
        "system_user",
        "xmltext",
    }
