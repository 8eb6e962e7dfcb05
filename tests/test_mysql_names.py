"""MySQL names in messages, hints and related messages as the history wrote them.

MySQL on Linux finds a table only as spelt (`lower_case_table_names=0`; MySQL 8.0 Reference
Manual, 11.2.3 "Identifier Case Sensitivity"), so a hint that folds `User` to `user` fails
there. The catalog still compares names folded: a history that spells a table two ways (written
on macOS or Windows) gets no new findings.
"""

from __future__ import annotations

from dbarch_lint import lint_sql
from dbarch_lint.model.mysql_names import quote_mysql_ident

PRISMA = """\
CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, `email` VARCHAR(191) NOT NULL,
    UNIQUE INDEX `User_id_key`(`id`), PRIMARY KEY (`id`));
"""


def test_redundant_index_hint_keeps_the_table_and_index_spelling() -> None:
    findings = [f for f in lint_sql(PRISMA, dialect="mysql") if f.code == "DBA302"]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.message.startswith("Index User_id_key on User (id) is redundant")
    assert "the primary key `PRIMARY` (id)" in finding.message
    assert finding.hint == "drop it: `DROP INDEX User_id_key ON User;`"
    assert [r.message for r in finding.related] == ["the covering index `PRIMARY`"]


def test_later_spellings_are_the_same_objects_shown_as_first_written() -> None:
    sql = PRISMA + (
        "CREATE TABLE `Post` (`id` INTEGER NOT NULL, `AuthorId` INTEGER NOT NULL,\n"
        "    PRIMARY KEY (`id`));\n"
        "CREATE INDEX `Post_AuthorId_idx` ON `Post`(`AuthorId`);\n"
        "CREATE INDEX post_authorid_again ON post (AUTHORID);\n"
    )
    findings = [f for f in lint_sql(sql, dialect="mysql") if f.code == "DBA302"]
    assert sorted(f.message.split(" is ")[0] for f in findings) == [
        "Index User_id_key on User (id)",
        "Index post_authorid_again on Post (AuthorId)",
    ]
    again = next(f for f in findings if "again" in f.message)
    assert again.hint == "drop it: `DROP INDEX post_authorid_again ON Post;`"
    assert "index Post_AuthorId_idx (AuthorId)" in again.message


def test_renamed_table_is_shown_with_the_new_spelling() -> None:
    sql = PRISMA + "RENAME TABLE user TO `Member`;\n"
    findings = [f for f in lint_sql(sql, dialect="mysql") if f.code == "DBA302"]
    assert [f.hint for f in findings] == ["drop it: `DROP INDEX User_id_key ON Member;`"]


def test_postgres_names_are_unchanged() -> None:
    sql = (
        'CREATE TABLE "User" (id bigint PRIMARY KEY, email text);\n'
        'CREATE UNIQUE INDEX "User_id_key" ON "User" (id);\n'
    )
    findings = [f for f in lint_sql(sql) if f.code == "DBA302"]
    assert len(findings) == 1
    assert findings[0].message.startswith('Index "User_id_key" on "User" (id) is redundant')


def test_mysql_quoting() -> None:
    assert quote_mysql_ident("User") == "User"
    assert quote_mysql_ident("Nick$Name_2") == "Nick$Name_2"
    assert quote_mysql_ident("order") == "`order`"  # reserved (11.3 "Keywords and Reserved Words")
    assert quote_mysql_ident("Order") == "`Order`"
    assert quote_mysql_ident("Nick Name") == "`Nick Name`"
    assert quote_mysql_ident("a`b") == "`a``b`"
    assert quote_mysql_ident("123") == "`123`"  # (digits only: a number)
    assert quote_mysql_ident("1e5") == "`1e5`"
    assert quote_mysql_ident("1abc") == "1abc"
