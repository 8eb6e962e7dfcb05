"""Where types and clauses end: the plain-text shortcut agrees with the token-by-token reading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbarch_lint.model.source import _plain_extent_end, _token_extent_end, extent_end

SNIPPETS = [
    b"int, b int",
    b"varchar(10) not null",
    b"timestamp with time zone default now()",
    b"time without time zone NOT NULL)",
    b"character varying(10)[] , x",
    b"numeric(10,2)[] not null",
    b"double precision, y",
    b"E'a\\'b' , c",
    b'U&"a" , b',
    b"U&'x' )",
    b"$$ a ) $$ )",
    b"$x$ ( $x$ , y",
    b"/* ( */ a ) b",
    b"-- (\n a ) b",
    b'"quoted ( " ) b',
    b"a.b[1] , c",
    b"\xc3\xa9t\xc3\xa9 with time zone, \xc3\xa9",
    b"REFERENCES users(id) ON DELETE CASCADE, name text",
    b"CHECK (a > 0 AND b < 1) ; next",
    b"a - b / c)",
    b"$1, $2",
    b"'unterminated",
    b"/* unterminated",
    b"  trailing space   ",
    b"CHECK (kind = 'a,b' OR kind = 'it''s') , next",
    b"text DEFAULT 'x' NOT NULL, b",
    b'CONSTRAINT "fk (x" FOREIGN KEY (a) REFERENCES "t"("i,d") , c',
    b'"my type" not null',
    b'"a""b" , c',
    b"x'0f' , b'01' , n'n' ) u&'\\0041'",
    b"1E'a\\'b' , c",
    b"e'x' default 'y'",
    b"varchar(2) COLLATE \"C\" DEFAULT 'it''s' , z",
    b"'unterminated , x",
    b'"unterminated , x',
    b"'' ''default'' , x",
    b"int not$x , y",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_the_shortcut_agrees_with_the_tokens(text: bytes) -> None:
    for data in (text, b"x " + text):
        for start in range(len(data) + 1):
            for extent in ("type", "clause"):
                slow = _token_extent_end(data, start, extent)
                fast = _plain_extent_end(data, start, extent == "type")
                assert fast is None or fast == slow, (data, start, extent)
                assert extent_end(data, start, extent) == slow


def test_type_ends_before_its_constraints() -> None:
    data = b"created timestamp with time zone NOT NULL DEFAULT now(),"
    start = data.index(b"timestamp")
    assert data[start : extent_end(data, start, "type")] == b"timestamp with time zone"


def test_clause_ends_at_the_next_comma_outside_parentheses() -> None:
    data = b"CREATE TABLE t (a int CHECK (a IN (1, 2)) , b int)"
    start = data.index(b"CHECK")
    assert data[start : extent_end(data, start, "clause")] == b"CHECK (a IN (1, 2))"


def test_strings_and_quoted_names_stay_on_the_shortcut() -> None:
    data = b"CONSTRAINT \"c\" CHECK (kind = 'a' OR kind = 'b''c') , next"
    assert _plain_extent_end(data, 0, False) == data.index(b" , next")


_FRAGMENTS = st.sampled_from(
    [
        b" ",
        b"\n",
        b"a",
        b"E",
        b"x",
        b"1",
        b"_",
        b"(",
        b")",
        b"[",
        b"]",
        b",",
        b";",
        b"'",
        b"''",
        b'"',
        b'""',
        b"\\",
        b"$",
        b"$$",
        b"-",
        b"--",
        b"/",
        b"/*",
        b"*/",
        b"=",
        b".",
        b"&",
        b"U&",
        b"not",
        b"null",
        b"default",
        b"with",
        b"time",
        b"zone",
        b"\xc3\xa9",
    ]
)


@given(st.lists(_FRAGMENTS, max_size=14))
@settings(max_examples=300, deadline=None)
def test_the_shortcut_agrees_with_the_tokens_on_any_text(fragments: list[bytes]) -> None:
    data = b"".join(fragments)
    for start in range(len(data) + 1):
        for extent in ("type", "clause"):
            fast = _plain_extent_end(data, start, extent == "type")
            assert fast is None or fast == _token_extent_end(data, start, extent), (data, start)


def test_ends_asked_again_are_the_same() -> None:
    # (extent_end keeps the ends of the text last asked about: asked again, or about another
    # text with the same bytes, or about another text in between, the answers do not change)
    first = [extent_end(text, 0, extent) for text in SNIPPETS for extent in ("type", "clause")]
    again = [extent_end(text, 0, extent) for text in SNIPPETS for extent in ("type", "clause")]
    copies = [
        extent_end(bytes(bytearray(text)), 0, extent)
        for text in SNIPPETS
        for extent in ("type", "clause")
    ]
    assert first == again == copies
    text = b"int not null, text default 1"
    assert [extent_end(text, 0, "type"), extent_end(text, 14, "type")] == [3, 18]
    assert [extent_end(text, 0, "clause"), extent_end(text, 0, "type")] == [12, 3]
