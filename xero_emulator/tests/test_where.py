"""The where/order parser on its own (the HTTP behaviour is covered in test_listing.py)."""

from __future__ import annotations

import pytest

from xero_emulator.where import WhereError, apply_order, compile_where

OBJ = {
    "Name": "Acme Ltd",
    "Status": "ACTIVE",
    "Total": 115.0,
    "IsCustomer": True,
    "Contact": {"ContactID": "AAAAAAAA-1111-2222-3333-444444444444"},
    "Date": "/Date(1706659200000+0000)/",
    "EmailAddress": None,
}


@pytest.mark.parametrize(
    "clause, expected",
    [
        ('Name=="Acme Ltd"', True),
        ('Name = "Acme Ltd"', True),
        ('Name=="acme ltd"', False),
        ('Name.ToLower()=="acme ltd"', True),
        ('Name.ToUpper()=="ACME LTD"', True),
        ('Name.Contains("cme")', True),
        ('Name.StartsWith("Ac") AND Status!="ARCHIVED"', True),
        ('Name.EndsWith("Ltd") && Total>100', True),
        ('Name=="x" OR Status=="ACTIVE"', True),
        ('Name=="x" || Status=="ARCHIVED"', False),
        ('NOT Name=="x"', True),
        ('(Name=="x" OR Status=="ACTIVE") AND Total>=115', True),
        ('Contact.ContactID==Guid("aaaaaaaa-1111-2222-3333-444444444444")', True),
        ('Contact.ContactID=="aaaaaaaa-1111-2222-3333-444444444444"', True),
        ("Date>=DateTime(2024,1,31)", True),
        ("Date==DateTime(2024, 01, 31)", True),
        ("Date<DateTime(2024,01,31)", False),
        ("Date>DateTime(2024,1,30,23,59,59)", True),
        ('Date==DateTime.Parse("2024-01-31")', True),
        ("Total<=114.99", False),
        ("IsCustomer==true", True),
        ("IsCustomer", True),
        ("EmailAddress==null", True),
        ('EmailAddress.Contains("x")', False),
        ('name=="Acme Ltd"', True),
        ('Name.Contains("Ac\\"me")', False),
    ],
)
def test_clauses(clause, expected):
    assert compile_where(clause)(OBJ) is expected


@pytest.mark.parametrize(
    "name",
    ['O"Brien & Sons', "Back\\slash Ltd", 'Café "Zoë" \\ Co', "Tab\there"],
)
def test_escaped_string_literals(name):
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    assert compile_where(f'Name=="{escaped}"')({"Name": name}) is True
    assert compile_where(f'Name=="{escaped}x"')({"Name": name}) is False
    assert compile_where('Name=="Caf\\u00e9"')({"Name": "Café"}) is True


@pytest.mark.parametrize(
    "clause",
    ['Name=="open', "Name==", "Date>DateTime(2024,13,1)", 'Guid("nope")==Name', 'Name.Frobnicate("x")', "Name==)"],
)
def test_bad_clauses(clause):
    with pytest.raises(WhereError):
        compile_where(clause)


def test_order():
    rows = [{"N": "b", "D": "/Date(2000+0000)/"}, {"N": "A", "D": "/Date(1000+0000)/"}, {"N": None, "D": None}]
    assert [r["N"] for r in apply_order(rows, "N ASC")] == [None, "A", "b"]
    assert [r["N"] for r in apply_order(rows, "D DESC")] == ["b", "A", None]
    assert [r["N"] for r in apply_order(rows, "D DESC, N ASC")] == ["b", "A", None]
    with pytest.raises(WhereError):
        apply_order(rows, "N SIDEWAYS")
