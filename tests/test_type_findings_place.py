"""Type findings point at the type (issue #16): a column that a later statement of the same
migration makes a key is reported at its type, once, where a `-- noqa` suppresses it."""

from __future__ import annotations

from pathlib import Path

from dbarch_lint import lint_paths, lint_sql

PG_DUMP = """\
CREATE TABLE public.orders (
    id integer NOT NULL,
    parent_id integer,
    customer_id uuid NOT NULL
);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.orders(id);
ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_id_fkey FOREIGN KEY (id) REFERENCES public.orders(id);
"""


def test_a_key_added_later_is_reported_at_the_type_once() -> None:
    found = lint_sql(PG_DUMP, select=["DBA102"])
    assert [(f.location.line, f.location.column) for f in found] == [(2, 8), (3, 15)]
    first, second = found
    assert "orders.id (primary key)" in first.message
    assert "declare it `id bigint`" in (first.hint or "")
    assert [(r.location.line, r.message) for r in first.related] == [
        (6, "made a key here (line 6)")
    ]
    assert "parent_id (foreign key)" in second.message
    assert second.related[0].location.line == 8


def test_noqa_on_the_type_line_suppresses_it() -> None:
    sql = PG_DUMP.replace("id integer NOT NULL,", "id integer NOT NULL, -- noqa: DBA102")
    # (a statement suppression covers the whole CREATE TABLE the type is in)
    assert lint_sql(sql, select=["DBA102", "DBA003"]) == []
    # A suppression on the ALTER TABLE no longer covers it (and suppresses nothing).
    sql = PG_DUMP.replace("PRIMARY KEY (id);", "PRIMARY KEY (id); -- noqa: DBA102")
    found = lint_sql(sql, select=["DBA102", "DBA003"])
    assert [(f.code, f.location.line) for f in found] == [
        ("DBA102", 2),
        ("DBA102", 3),
        ("DBA003", 6),
    ]


def test_uuid_primary_key_added_later_points_at_the_type() -> None:
    sql = "CREATE TABLE a (id uuid NOT NULL);\nALTER TABLE ONLY a ADD PRIMARY KEY (id);\n"
    [found] = lint_sql(sql, select=["DBA109"])
    assert (found.location.line, found.location.column) == (1, 20)


def test_a_column_typed_by_an_earlier_migration_is_reported_at_the_constraint(
    tmp_path: Path,
) -> None:
    (tmp_path / "V1__create.sql").write_text("CREATE TABLE a (id integer NOT NULL);\n")
    (tmp_path / "V2__key.sql").write_text("ALTER TABLE a ADD PRIMARY KEY (id);\n")
    result = lint_paths([str(tmp_path)], select=["DBA102"], cwd=str(tmp_path))
    [found] = result.findings
    assert (found.location.path, found.location.line) == ("V2__key.sql", 1)
    assert found.location.column == 19
    assert "widen it first" in (found.hint or "")
