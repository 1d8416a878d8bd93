"""Odoo partners ⇄ Xero ``Contact`` dicts: the one contact mapper.

Odoo → Xero (:func:`contact_payload`), for a *commercial* partner:

=====================  ==========================================================
Xero                   Odoo
=====================  ==========================================================
Name                   name
FirstName, LastName    a person: its own name split at the first space; a
                       company: its primary contact person (the child flagged
                       ``xero_primary_person``), omitted when it has none
EmailAddress           the first address of ``email``
Phones                 DEFAULT ← phone, MOBILE ← mobile
Addresses              STREET ← the partner's address; POBOX ← its first
                       invoice address, else the partner's address. A person's
                       title goes in ``AttentionTo`` ("Mr. John Smith"): Xero
                       has no title field
TaxNumber              vat
AccountNumber          ref
ContactPersons         child contacts (type contact, not the primary person),
                       the first five (Xero keeps at most five)
ContactID              when the partner is bound in the connection's company
=====================  ==========================================================

``IsCustomer``/``IsSupplier`` are read-only in Xero and never sent; nor is
``ContactStatus`` (archiving is Xero's business). Empty values are sent as
empty strings so that clearing a field in Odoo clears it in Xero.

Xero → Odoo (:func:`partner_values`): the reverse, plus customer/supplier
ranks, the connection's default title for persons, the primary person and
contact persons as child contacts, and a POBOX address different from the
STREET one as an invoice address. Empty Xero values are left out, so an
update never blanks what Odoo knows.
"""

import re

from odoo import Command
from odoo.tools import email_normalize, email_split

from ..errors import XeroMappingError
from ..util import payload_hash

MAX_CONTACT_PERSONS = 5
MAX_NAME = 255
ADDRESS_FIELDS = ("street", "street2", "city", "zip", "state_id", "country_id")
PHONE_TYPES = (("DEFAULT", "phone"), ("MOBILE", "mobile"))


# ----------------------------------------------------------------- helpers
def split_name(name):
    """``"Mary Ann Smith"`` → ``("Mary", "Ann Smith")``; one word → ``(word, "")``."""
    parts = (name or "").strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def first_email(partner, label=None):
    """The first e-mail address of ``partner`` ('' when none).

    Raises :class:`XeroMappingError` when the field holds something that is
    not an address: Xero would refuse the whole contact."""
    raw = (partner.email or "").strip()
    if not raw:
        return ""
    found = email_split(raw)
    if not found:
        raise XeroMappingError(partner.env._(
            "The e-mail address '%(email)s' of %(partner)s is not valid, and Xero refuses it. "
            "Correct it on the partner, then send again.",
            email=raw, partner=label or partner.display_name))
    return found[0]


def norm_vat(value):
    """Tax numbers compared without spaces, dots and dashes, upper case."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def norm_email(value):
    return email_normalize(value or "") or ""


def _address(kind, rec, attention=""):
    return {
        "AddressType": kind,
        "AddressLine1": rec.street or "",
        "AddressLine2": rec.street2 or "",
        "City": rec.city or "",
        "Region": rec.state_id.code or rec.state_id.name or "",
        "PostalCode": rec.zip or "",
        "Country": rec.country_id.with_context(lang="en_US").name or "",
        "AttentionTo": attention,
    }


def _people(partner):
    """``(primary person or empty, other contact persons)`` of a commercial partner."""
    children = partner.child_ids.filtered(lambda c: c.active and c.type == "contact" and c.name).sorted("id")
    primary = children.filtered("xero_primary_person")[:1]
    return primary, children - primary


# ----------------------------------------------------------------- Odoo → Xero
def contact_payload(partner, contact_id=None):
    """The Xero Contact dict of ``partner`` (a commercial partner); ``contact_id``
    is its ContactID when it is bound (the caller asks the binder).

    Raises :class:`XeroMappingError` for values Xero would refuse (a name
    that is empty or too long, an invalid e-mail address)."""
    partner.ensure_one()
    env = partner.env
    name = (partner.name or "").strip()
    if not name:
        raise XeroMappingError(env._("The partner #%(id)s has no name: Xero needs one.", id=partner.id))
    if len(name) > MAX_NAME:
        raise XeroMappingError(env._(
            "The name of %(partner)s is longer than the %(max)s characters Xero allows.",
            partner=name[:60] + "…", max=MAX_NAME))
    primary, persons = _people(partner)
    payload = {
        "Name": name,
        "EmailAddress": first_email(partner),
        "TaxNumber": (partner.vat or "").strip(),
        "AccountNumber": (partner.ref or "").strip(),
        "Phones": [{"PhoneType": kind, "PhoneNumber": (partner[field] or "").strip()}
                   for kind, field in PHONE_TYPES],
    }
    attention = ""
    if not partner.is_company:
        payload["FirstName"], payload["LastName"] = split_name(name)
        if partner.title:
            attention = f"{partner.title.shortcut or partner.title.name} {name}"
    elif primary:
        payload["FirstName"], payload["LastName"] = split_name(primary.name)
    postal = partner.child_ids.filtered(lambda c: c.active and c.type == "invoice").sorted("id")[:1] or partner
    payload["Addresses"] = [_address("STREET", partner, attention), _address("POBOX", postal, attention)]
    if persons:
        payload["ContactPersons"] = [{
            "FirstName": split_name(person.name)[0],
            "LastName": split_name(person.name)[1],
            "EmailAddress": first_email(person, label=f"{person.name} ({name})"),
            "IncludeInEmails": bool(person.xero_include_in_emails),
        } for person in persons[:MAX_CONTACT_PERSONS]]
    if contact_id:
        payload["ContactID"] = contact_id
    return payload


def contact_hash(payload):
    """Version of what Xero sees of a contact (the ContactID left out, so
    binding a newly created contact does not count as a change)."""
    return payload_hash({k: v for k, v in payload.items() if k != "ContactID"})


# ----------------------------------------------------------------- Xero → Odoo
def _address_values(address, lookup):
    """res.partner address values of a Xero address ({} when it is empty)."""
    if not address:
        return {}
    lines = [(address.get(f"AddressLine{i}") or "").strip() for i in range(1, 5)]
    street2 = ", ".join(line for line in lines[1:] if line)
    values = {
        "street": lines[0] or False,
        "street2": street2 or False,
        "city": (address.get("City") or "").strip() or False,
        "zip": (address.get("PostalCode") or "").strip() or False,
    }
    country_id = lookup.country(address.get("Country")) if lookup else False
    values["country_id"] = country_id
    values["state_id"] = lookup.state(country_id, address.get("Region")) if lookup else False
    return values if any(values.values()) else {}


def _phone(phone):
    number = (phone.get("PhoneNumber") or "").strip()
    if not number:
        return ""
    area = (phone.get("PhoneAreaCode") or "").strip()
    country = (phone.get("PhoneCountryCode") or "").strip().lstrip("+")
    return " ".join(part for part in (f"+{country}" if country else "", area, number) if part)


def is_person(contact):
    """A Xero contact is a person when its name is its first and last name."""
    first = (contact.get("FirstName") or "").strip()
    last = (contact.get("LastName") or "").strip()
    name = " ".join((contact.get("Name") or "").split()).lower()
    return bool(first or last) and name == " ".join(f"{first} {last}".split()).lower()


def partner_values(contact, lookup=None, default_title_id=False):
    """res.partner values (create or write) of a Xero Contact dict.

    ``lookup`` resolves countries and states: an object with
    ``country(text)`` → id and ``state(country_id, text)`` → id (the contact
    import's ``AddressLookup``, which reads them once per import); without
    it they are left out. This module never queries the database.
    ``child_ids`` holds ``Command.create`` of the contact persons (the
    primary person first) and of the postal address when it differs from
    the street address; callers updating a partner drop the ones it has."""
    person = is_person(contact)
    email = (contact.get("EmailAddress") or "").strip()
    values = {"name": (contact.get("Name") or "").strip(), "is_company": not person}
    scalars = {"email": email, "vat": (contact.get("TaxNumber") or "").strip(),
               "ref": (contact.get("AccountNumber") or "").strip()}
    phones = {p.get("PhoneType"): _phone(p) for p in contact.get("Phones") or []}
    for kind, field in PHONE_TYPES:
        scalars[field] = phones.get(kind, "")
    values.update({k: v for k, v in scalars.items() if v})
    if contact.get("IsCustomer"):
        values["customer_rank"] = 1
    if contact.get("IsSupplier"):
        values["supplier_rank"] = 1
    if person and default_title_id:
        values["title"] = default_title_id
    addresses = {a.get("AddressType"): a for a in contact.get("Addresses") or []}
    street = _address_values(addresses.get("STREET"), lookup)
    postal = _address_values(addresses.get("POBOX"), lookup)
    values.update(street or postal)
    children = []
    if not person:
        first = (contact.get("FirstName") or "").strip()
        last = (contact.get("LastName") or "").strip()
        if first or last:
            children.append(_person_values(f"{first} {last}".strip(), email, default_title_id,
                                           primary=True))
    for cp in contact.get("ContactPersons") or []:
        cp_name = f"{(cp.get('FirstName') or '').strip()} {(cp.get('LastName') or '').strip()}".strip()
        if cp_name:
            children.append(_person_values(cp_name, (cp.get("EmailAddress") or "").strip(),
                                           default_title_id, include=bool(cp.get("IncludeInEmails"))))
    if street and postal and postal != street:
        children.append(dict(postal, type="invoice"))
    if children:
        values["child_ids"] = [Command.create(child) for child in children]
    return values


def _person_values(name, email, title_id, primary=False, include=False):
    values = {"type": "contact", "name": name, "xero_primary_person": primary,
              "xero_include_in_emails": include}
    if email:
        values["email"] = email
    if title_id:
        values["title"] = title_id
    return values
