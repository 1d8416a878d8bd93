"""Contacts' Balances (AccountsReceivable / AccountsPayable, outstanding and overdue):
returned when a contact is fetched by id or in pages, raw in each document's currency."""

from __future__ import annotations

import datetime
import json

from helpers import create_credit_note, create_invoice, line, pay
from xero_python.accounting import Contact, Contacts, CurrencyCode

from xero_emulator import DEMO

T = DEMO.tenant_id


def balances(contact) -> tuple:
    b = contact.balances
    return (
        float(b.accounts_receivable.outstanding),
        float(b.accounts_receivable.overdue),
        float(b.accounts_payable.outstanding),
        float(b.accounts_payable.overdue),
    )


def test_balances_by_id_and_in_pages_not_in_plain_lists(xero):
    created = xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Balance Test Ltd")]))
    cid = created.contacts[0].contact_id
    assert balances(xero.accounting.get_contact(T, cid).contacts[0]) == (0.0, 0.0, 0.0, 0.0)
    today = datetime.date.today()
    past, future = today - datetime.timedelta(days=10), today + datetime.timedelta(days=10)
    name = "Balance Test Ltd"
    overdue = create_invoice(xero, contact_name=name, lines=[line(100, tax="NONE")], status="AUTHORISED",
                             date=past, due_date=past)
    create_invoice(xero, contact_name=name, lines=[line(50, tax="NONE")], status="AUTHORISED", date=today,
                   due_date=future)
    create_invoice(xero, contact_name=name, lines=[line(999, tax="NONE")], status="DRAFT", due_date=past)
    create_invoice(xero, contact_name=name, lines=[line(10, tax="NONE")], status="AUTHORISED", due_date=past,
                   currency_code=CurrencyCode.EUR)  # raw: not converted to the base currency
    create_credit_note(xero, contact_name=name, lines=[line(20, tax="NONE")])
    create_invoice(xero, contact_name=name, lines=[line(30, account="429", tax="NONE")], status="AUTHORISED",
                   inv_type="ACCPAY", due_date=past)
    pay(xero, overdue.invoice_id, 40)
    # AR: 60 + 50 + 10 - 20 credit = 100, overdue 60 + 10; AP: 30, overdue
    assert balances(xero.accounting.get_contact(T, cid).contacts[0]) == (100.0, 70.0, 30.0, 30.0)
    paged = xero.accounting.get_contacts(T, page=1, where=f'Name=="{name}"').contacts
    assert balances(paged[0]) == (100.0, 70.0, 30.0, 30.0)
    xero.accounting.get_contacts(T, where=f'Name=="{name}"')
    plain = json.loads(xero.api_client.last_response.data)["Contacts"][0]
    assert "Balances" not in plain
