"""Paging, where/order, If-Modified-Since and list filters through xero-python."""

from __future__ import annotations

import datetime
import time

import pytest
import requests
from helpers import contact_id, create_invoice, invoice, line
from xero_python.accounting import Account, Contact, Contacts, Invoice, Invoices, Payment, Payments
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

from xero_emulator import DEMO

T = DEMO.tenant_id


def seed_contacts(xero, n: int, prefix: str = "Client") -> None:
    for start in range(0, n, 50):
        batch = [
            Contact(name=f"{prefix} {i:05d}", email_address=f"c{i}@example.com")
            for i in range(start, min(n, start + 50))
        ]
        xero.accounting.create_contacts(T, Contacts(contacts=batch))


def test_paging_contacts(xero):
    seed_contacts(xero, 243)
    first = xero.accounting.get_contacts(T, page=1, where='Name.StartsWith("Client")', order="Name ASC")
    assert len(first.contacts) == 100 and first.contacts[0].name == "Client 00000"
    assert (
        first.pagination.page,
        first.pagination.page_size,
        first.pagination.page_count,
        first.pagination.item_count,
    ) == (1, 100, 3, 243)
    third = xero.accounting.get_contacts(T, page=3, where='Name.StartsWith("Client")', order="Name ASC")
    assert len(third.contacts) == 43 and third.contacts[-1].name == "Client 00242"
    big = xero.accounting.get_contacts(T, page=1, page_size=1000)
    assert len(big.contacts) == 250 and big.pagination.page_size == 1000
    empty = xero.accounting.get_contacts(T, page=9, page_size=50)
    assert empty.contacts == []
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.get_contacts(T, page=1, page_size=1001)
    assert "pageSize" in err.value.reason
    assert len(xero.accounting.get_contacts(T).contacts) == 250  # no page: everything


def test_invoice_filters_where_and_order(xero):
    basket = contact_id(xero, "Basket Case")
    a = create_invoice(xero, status="AUTHORISED", date=datetime.date(2024, 1, 10), lines=[line(10)])
    b = create_invoice(xero, status="DRAFT", date=datetime.date(2024, 1, 31), lines=[line(20)])
    c = create_invoice(
        xero,
        contact_name="Bayside Club",
        status="AUTHORISED",
        date=datetime.date(2024, 2, 15),
        lines=[line(30)],
        reference="Project X",
    )
    api = xero.accounting
    assert [i.invoice_id for i in api.get_invoices(T, statuses=["AUTHORISED"], order="Date ASC").invoices] == [
        a.invoice_id,
        c.invoice_id,
    ]
    assert [i.invoice_id for i in api.get_invoices(T, invoice_numbers=[b.invoice_number]).invoices] == [b.invoice_id]
    assert {i.invoice_id for i in api.get_invoices(T, contact_i_ds=[basket]).invoices} == {a.invoice_id, b.invoice_id}
    assert [i.invoice_id for i in api.get_invoices(T, i_ds=[c.invoice_id]).invoices] == [c.invoice_id]
    on_or_after = api.get_invoices(T, where="Date >= DateTime(2024,1,31)", order="Date DESC").invoices
    assert [i.invoice_id for i in on_or_after] == [c.invoice_id, b.invoice_id]
    exact = api.get_invoices(T, where="Date == DateTime(2024, 01, 31)").invoices
    assert [i.invoice_id for i in exact] == [b.invoice_id]
    by_contact = api.get_invoices(T, where=f'Contact.ContactID==Guid("{basket.upper()}") && Status!="DRAFT"').invoices
    assert [i.invoice_id for i in by_contact] == [a.invoice_id]
    typed = api.get_invoices(T, where='Type=="ACCREC" AND (Total>=30 OR Reference.Contains("Proj"))').invoices
    assert {i.invoice_id for i in typed} == {c.invoice_id}
    numbered = api.get_invoices(T, where=f'InvoiceNumber=="{a.invoice_number}"').invoices
    assert [i.invoice_id for i in numbered] == [a.invoice_id]
    assert [i.invoice_id for i in api.get_invoices(T, order="Total DESC").invoices] == [
        c.invoice_id,
        b.invoice_id,
        a.invoice_id,
    ]
    with pytest.raises(HTTPStatusException) as err:
        api.get_invoices(T, where='Name=="unterminated')
    assert err.value.status == 400


def test_payments_by_reference(xero):
    inv = create_invoice(xero, status="AUTHORISED", lines=[line(100)])
    refs = ["REF-1", 'Quote "A" \\ 2', "REF-3"]
    made = {}
    for ref in refs:
        payment = Payment(
            invoice=Invoice(invoice_id=inv.invoice_id), account=Account(code="090"), amount=5, reference=ref
        )
        made[ref] = xero.accounting.create_payments(T, Payments(payments=[payment])).payments[0].payment_id
    api = xero.accounting
    assert [p.payment_id for p in api.get_payments(T, where='Reference=="REF-1"').payments] == [made["REF-1"]]
    both = api.get_payments(T, where='Reference=="REF-1" OR Reference=="REF-3"', order="Reference DESC").payments
    assert [p.payment_id for p in both] == [made["REF-3"], made["REF-1"]]
    quoted = api.get_payments(T, where=f'Reference=="{escape(refs[1])}"').payments
    assert [p.reference for p in quoted] == [refs[1]]
    assert api.get_payments(T, where='Reference=="REF-2"').payments == []


def test_contacts_where_name_with_quotes_and_backslashes(xero):
    names = ['O"Brien & Sons', "Back\\slash Ltd", 'Café "Zoë" \\ Co']
    xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name=n) for n in names]))
    for name in names:
        found = xero.accounting.get_contacts(T, where=f'Name=="{escape(name)}"').contacts
        assert [c.name for c in found] == [name]
    either = f'Name=="{escape(names[0])}" OR Name=="{escape(names[2])}"'
    assert sorted(c.name for c in xero.accounting.get_contacts(T, where=either).contacts) == sorted(names[::2])


def escape(text: str) -> str:
    """A value inside a where clause's double quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def test_codes_and_account_where(xero):
    revenue = xero.accounting.get_accounts(T, where='Type=="REVENUE" AND Status=="ACTIVE"', order="Code ASC").accounts
    assert [a.code for a in revenue] == ["200", "260", "270"]
    assert [a.code for a in xero.accounting.get_accounts(T, where='Code=="090"').accounts] == ["090"]


def test_if_modified_since(emu, xero):
    old = create_invoice(xero)
    emu.advance_clock(3600)
    xero.api_client.refresh_oauth2_token()  # the access token expired meanwhile
    cutoff = datetime.datetime.fromtimestamp(emu.store.clock.now(), tz=datetime.UTC)
    emu.advance_clock(5)
    new = create_invoice(xero)
    modified = xero.accounting.get_invoices(T, if_modified_since=cutoff).invoices
    assert [i.invoice_id for i in modified] == [new.invoice_id]
    emu.advance_clock(5)
    xero.accounting.update_invoice(T, old.invoice_id, Invoices(invoices=[invoice(reference="touched")]))
    modified = xero.accounting.get_invoices(T, if_modified_since=cutoff, order="UpdatedDateUTC DESC").invoices
    assert [i.invoice_id for i in modified] == [old.invoice_id, new.invoice_id]
    contacts = xero.accounting.get_contacts(T, if_modified_since=cutoff).contacts
    assert contacts == []


def test_ten_thousand_contacts_listed_fast(emu, xero):
    emu.validate = False
    emu.set_limits(minute=100_000, day=100_000, app_minute=100_000)
    with emu.store.lock:  # seed directly: the point here is the listing speed
        from xero_emulator.api import Ctx
        from xero_emulator.contacts import new_contact

        org = emu.store.org(T)
        ctx = Ctx(emu.store, org, None, DEMO.client_id, "t", emu.store.clock.now_ms())
        for i in range(10_000):
            c = new_contact(ctx, {"Name": f"Bulk {i:05d}", "EmailAddress": f"b{i}@example.com"})
            org.data["Contacts"][c["ContactID"]] = c
        org.reindex()
    headers = {"Authorization": "Bearer " + xero.token["access_token"], "xero-tenant-id": T}
    start = time.perf_counter()
    total = 0
    for page in range(1, 12):
        resp = requests.get(
            emu.base_url + "/api.xro/2.0/Contacts", params={"page": page, "pageSize": 1000}, headers=headers, timeout=10
        )
        total += len(resp.json()["Contacts"])
    elapsed = time.perf_counter() - start
    assert total == 10_007
    assert elapsed < 3.0, elapsed
    page = xero.accounting.get_contacts(T, page=5, page_size=1000, where='Name.StartsWith("Bulk")', order="Name ASC")
    assert page.contacts[0].name == "Bulk 04000"
    created = xero.accounting.create_contacts(
        T, Contacts(contacts=[Contact(name="Bulk 00001")]), summarize_errors=False
    )
    assert created.contacts[0].has_validation_errors
