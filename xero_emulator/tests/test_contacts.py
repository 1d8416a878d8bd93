"""Contacts through xero-python."""

from __future__ import annotations

import json

import pytest
from helpers import contact_id
from xero_python.accounting import Address, Contact, ContactPerson, Contacts, Phone
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from xero_emulator import DEMO

T = DEMO.tenant_id
DUPLICATE = (
    "The contact name Basket Case is already assigned to another contact. "
    "The contact name must be unique across all active contacts."
)


def messages(exc) -> list[str]:
    return [v["Message"] for el in json.loads(exc.body)["Elements"] for v in el["ValidationErrors"]]


def test_demo_contacts_and_archived_hidden(xero):
    active = xero.accounting.get_contacts(T).contacts
    assert len(active) == 7 and all(c.contact_status == "ACTIVE" for c in active)
    everything = xero.accounting.get_contacts(T, include_archived=True).contacts
    assert len(everything) == 8
    basket = next(c for c in active if c.name == "Basket Case")
    assert basket.email_address and basket.tax_number and basket.addresses and basket.phones
    assert basket.contact_persons[0].first_name == "Tom" and basket.is_customer is True
    assert any(c.is_supplier for c in active)


def test_create_full_contact_and_get(xero):
    new = Contact(
        name="Globex Corporation",
        first_name="Hank",
        last_name="Scorpio",
        email_address="hank@globex.example.com",
        account_number="CUST-900",
        tax_number="77-1234567",
        contact_number="EXT-42",
        addresses=[Address(address_type="STREET", address_line1="1 Cypress Creek", city="Cypress Creek")],
        phones=[Phone(phone_type="DEFAULT", phone_number="555-0100")],
        contact_persons=[
            ContactPerson(
                first_name="Frank", last_name="Grimes", email_address="frank@globex.example.com", include_in_emails=True
            )
        ],
    )
    created = xero.accounting.create_contacts(T, Contacts(contacts=[new])).contacts[0]
    assert created.contact_id and created.contact_status == "ACTIVE" and created.updated_date_utc is not None
    got = xero.accounting.get_contact(T, created.contact_id).contacts[0]
    assert got.addresses[0].city == "Cypress Creek" and got.contact_persons[0].last_name == "Grimes"
    by_number = xero.accounting.get_contact_by_contact_number(T, "EXT-42").contacts[0]
    assert by_number.contact_id == created.contact_id
    with pytest.raises(NotFoundException):
        xero.accounting.get_contact(T, "00000000-0000-0000-0000-000000000000")


def test_duplicate_active_name_refused_but_archived_frees_it(xero):
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Basket Case")]))
    assert messages(err.value) == [DUPLICATE]
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Twin"), Contact(name="Twin")]))
    assert "The contact name Twin is already assigned to another contact." in messages(err.value)[0]
    # archiving frees the name; a new contact may then take it
    cid = contact_id(xero, "Basket Case")
    archived = xero.accounting.update_contact(T, cid, Contacts(contacts=[Contact(contact_status="ARCHIVED")]))
    assert archived.contacts[0].contact_status == "ARCHIVED"
    assert xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Basket Case")])).contacts
    # the archived one cannot be re-activated while the name is taken
    with pytest.raises(AccountingBadRequestException):
        xero.accounting.update_contact(T, cid, Contacts(contacts=[Contact(contact_status="ACTIVE")]))


def test_post_updates_by_id_and_number(xero, emu):
    cid = contact_id(xero, "Bayside Club")
    upd = xero.accounting.update_or_create_contacts(
        T, Contacts(contacts=[Contact(contact_id=cid, email_address="new@bayside.example.com")])
    )
    assert upd.contacts[0].email_address == "new@bayside.example.com" and upd.contacts[0].name == "Bayside Club"
    xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Numbered", contact_number="N-1")]))
    xero.accounting.update_or_create_contacts(
        T, Contacts(contacts=[Contact(contact_number="N-1", name="Numbered Renamed")])
    )
    names = [c["Name"] for c in emu.dump()[T]["Contacts"]]
    assert "Numbered Renamed" in names and "Numbered" not in names


def test_contact_validation(xero):
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Bad Mail", email_address="not-an-email")]))
    assert messages(err.value) == ["Email address must be valid."]
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_contacts(T, Contacts(contacts=[Contact(first_name="No Name")]))
    assert messages(err.value) == ["The contact name must be specified."]
    with pytest.raises(AccountingBadRequestException) as err:
        xero.accounting.create_contacts(T, Contacts(contacts=[Contact(name="Acc Clash", account_number="CUST-001")]))
    assert "Account Number already exists" in messages(err.value)[0]


def test_contacts_batch_with_summarize_errors_false(xero, emu):
    batch = Contacts(contacts=[Contact(name="Alpha Ltd"), Contact(name="Basket Case"), Contact(name="Beta Ltd")])
    res = xero.accounting.create_contacts(T, batch, summarize_errors=False)
    assert [c.has_validation_errors for c in res.contacts] == [False, True, False]
    assert res.contacts[1].validation_errors[0].message == DUPLICATE
    assert res.contacts[1].status_attribute_string == "ERROR"
    assert len(emu.dump()[T]["Contacts"]) == 10


def test_search_term_and_where(xero):
    found = xero.accounting.get_contacts(T, search_term="ridgeway").contacts
    assert [c.name for c in found] == ["Ridgeway University"]
    where = xero.accounting.get_contacts(
        T, where='EmailAddress.Contains("example.com") AND Name.StartsWith("B")', order="Name DESC"
    ).contacts
    assert [c.name for c in where] == ["Bayside Club", "Basket Case"]
    lowered = xero.accounting.get_contacts(T, where='Name.ToLower()=="powerdirect"').contacts
    assert [c.name for c in lowered] == ["PowerDirect"]
    acct = xero.accounting.get_contacts(
        T, where='AccountNumber=="SUPP-002" OR ContactStatus=="ARCHIVED"', include_archived=True
    ).contacts
    assert sorted(c.name for c in acct) == ["Hoyt Productions", "Old Partner Ltd"]
