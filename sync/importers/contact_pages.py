"""Xero → Odoo: one page of Xero contacts, and the partners it makes.

Matching, in order: the ContactID (binder) — the only match that links —
then the tax number, the exact e-mail, the exact name, each of which makes a
``xero.contact.match`` for an administrator; no match makes a new partner.
Skipped: archived contacts not bound to a partner, ignored proposals.
Re-running an import never creates a partner twice.
"""

import json
import logging

from ...services.mappers import contact as mapper
from ...services.mappers.master import changed_values

_logger = logging.getLogger(__name__)

COUNTS = ("created", "updated", "unchanged", "proposed", "skipped", "failed")
#: context of partner writes made by the import: nothing pushed back to Xero, no chatter noise
IMPORT_CONTEXT = {"xero_no_push": True, "tracking_disable": True, "mail_create_nolog": True,
                  "mail_create_nosubscribe": True, "mail_notrack": True}


class AddressLookup:
    """Countries and states by name or code, loaded once per import (the
    mapper is given this object: it never queries the database itself)."""

    def __init__(self, env):
        self.env = env
        self._countries = None
        self._states = {}

    def country(self, text):
        if not text:
            return False
        if self._countries is None:
            self._countries = {}
            for country in self.env["res.country"].sudo().with_context(lang="en_US").search([]):
                self._countries[country.name.lower()] = country.id
                self._countries[country.code.lower()] = country.id
            for alias, code in (("usa", "us"), ("united states of america", "us"), ("uk", "gb"),
                                ("great britain", "gb"), ("england", "gb")):
                if code in self._countries:
                    self._countries.setdefault(alias, self._countries[code])
        return self._countries.get(text.strip().lower(), False)

    def state(self, country_id, text):
        if not (country_id and text):
            return False
        if country_id not in self._states:
            states = self.env["res.country.state"].sudo().with_context(lang="en_US").search(
                [("country_id", "=", country_id)])
            table = {}
            for state in states:
                table[state.name.lower()] = state.id
                table[state.code.lower()] = state.id
            self._states[country_id] = table
        return self._states[country_id].get(text.strip().lower(), False)


# ------------------------------------------------------------ jobs


# ------------------------------------------------------------ one page
def import_page(connection, contacts, job=None):
    """Import one page of Xero contacts; return the counts.

    Bound partners are updated with Xero's non-empty values (a company stays
    a company; ranks only go up; missing contact persons are added).
    Archived Xero contacts only update the partner bound to them. Decided
    proposals are respected (ignored stays ignored)."""
    env = connection.env
    company = connection.company_id
    Match = env["xero.contact.match"].sudo()
    counts = dict.fromkeys(COUNTS, 0)
    ids = [c["ContactID"] for c in contacts if c.get("ContactID")]
    bound = env["xero.binder"]._to_records("res.partner", ids, company)
    matches = {m.xero_contact_id: m for m in Match.search([("connection_id", "=", connection.id),
                                                         ("xero_contact_id", "in", ids)])}
    lookup = AddressLookup(env)
    title_id = connection.contact_default_title_id.id
    fresh = []
    for contact in contacts:
        cid = contact.get("ContactID")
        if not cid:
            continue
        partner = bound.get(cid)
        if partner:
            changed = update_partner(partner.with_company(company), contact, lookup, title_id)
            counts["updated" if changed else "unchanged"] += 1
            continue
        if (contact.get("ContactStatus") or "ACTIVE").upper() != "ACTIVE":
            counts["skipped"] += 1
            continue
        match = matches.get(cid)
        if match and match.state in ("pending", "ignored"):
            if match.state == "pending":
                values = match_values(contact)
                if values["contact_data"] != match.contact_data:
                    match.write(values)
                counts["proposed"] += 1
            else:
                counts["skipped"] += 1
            continue
        if match:  # linked or created once, since unlinked by a user: decide again
            match.unlink()
        fresh.append(contact)
    found = find_partners(env, company, fresh)
    to_create = []
    for contact in fresh:
        hit = found.get(contact["ContactID"])
        if hit:
            partner, how = hit
            Match.create(dict(match_values(contact), connection_id=connection.id, partner_id=partner.id,
                              match_by=how, job_id=job.id if job else False))
            counts["proposed"] += 1
        else:
            to_create.append(contact)
    created, failed = create_partners(connection, to_create, lookup, job)
    counts["created"] += created
    counts["failed"] += failed
    return counts


def match_values(contact):
    return {
        "xero_contact_id": contact["ContactID"],
        "xero_name": contact.get("Name"),
        "xero_email": contact.get("EmailAddress") or False,
        "xero_tax_number": contact.get("TaxNumber") or False,
        "xero_account_number": contact.get("AccountNumber") or False,
        "contact_data": json.dumps(contact, sort_keys=True),
    }


def find_partners(env, company, contacts):
    """``{ContactID: (partner, "vat"|"email"|"name")}`` for contacts that look
    like an unlinked, active commercial partner of ``company`` (3 queries).
    Partners already linked to a Xero contact are never proposed."""
    if not contacts:
        return {}
    vats = {mapper.norm_vat(c.get("TaxNumber")) for c in contacts} - {""}
    emails = {mapper.norm_email(c.get("EmailAddress")) for c in contacts} - {""}
    names = {(c.get("Name") or "").strip().lower() for c in contacts} - {""}
    base = "p.active AND p.parent_id IS NULL AND (p.company_id IS NULL OR p.company_id = %s)"
    found = {"vat": {}, "email": {}, "name": {}}
    queries = (
        ("vat", "upper(regexp_replace(p.vat, '[^0-9A-Za-z]', '', 'g'))", vats),
        ("email", "p.email_normalized", emails),
        ("name", "lower(trim(p.name))", names),
    )
    for how, expr, values in queries:
        if not values:
            continue
        env.cr.execute(
            f"SELECT {expr}, p.id FROM res_partner p WHERE {base} AND {expr} = ANY(%s) ORDER BY p.id",  # noqa: S608
            (company.id, list(values)))
        for key, pid in env.cr.fetchall():
            found[how].setdefault(key, []).append(pid)
    candidate_ids = {pid for table in found.values() for ids in table.values() for pid in ids}
    partners = env["res.partner"].sudo().with_company(company).browse(candidate_ids)
    linked = {p.id for p in partners if p.xero_contact_id}
    result = {}
    for contact in contacts:
        keys = (("vat", mapper.norm_vat(contact.get("TaxNumber"))),
                ("email", mapper.norm_email(contact.get("EmailAddress"))),
                ("name", (contact.get("Name") or "").strip().lower()))
        for how, key in keys:
            ids = [pid for pid in found[how].get(key, []) if pid not in linked] if key else []
            if ids:
                result[contact["ContactID"]] = (env["res.partner"].browse(ids[0]), how)
                break
    return result


def create_partners(connection, contacts, lookup=None, job=None):
    """Create and bind one partner per Xero contact; ``(created, failed)``.

    Created together, bound in the same ``create`` (the ContactID is a
    value of the new partner, in the connection's company: no write per
    partner afterwards); if that fails, one by one, so one bad contact is
    logged (and skipped) and the others still come in."""
    if not contacts:
        return 0, 0
    env = connection.env
    company = connection.company_id
    lookup = lookup or AddressLookup(env)
    Partner = env["res.partner"].sudo().with_company(company).with_context(**IMPORT_CONTEXT)
    title_id = connection.contact_default_title_id.id
    id_field = env["xero.binder"]._field("res.partner")
    vals_list = []
    for contact in contacts:
        values = mapper.partner_values(contact, lookup, title_id)
        values["xero_contact_status"] = contact.get("ContactStatus") or "ACTIVE"
        values[id_field] = contact["ContactID"]
        vals_list.append(values)
    try:
        with env.cr.savepoint():
            pairs = list(zip(create_with_children(Partner, vals_list), contacts, strict=True))
    except Exception:  # noqa: BLE001 - retried one by one below, each failure logged
        pairs = []
        for vals, contact in zip(vals_list, contacts, strict=True):
            try:
                with env.cr.savepoint():
                    pairs.append((create_with_children(Partner, [vals]), contact))
            except Exception as exc:  # noqa: BLE001 - one bad contact must not stop the import
                _logger.warning("Xero contact %s not imported: %s", contact.get("ContactID"), exc)
                env["xero.sync.log"]._log(
                    connection, "contact", "import", "failed", run=job.run_id if job else None,
                    xero_id=contact.get("ContactID"), message=env._(
                        "%(name)s could not be imported: %(error)s", name=contact.get("Name"), error=str(exc)))
    return len(pairs), len(contacts) - len(pairs)


def create_with_children(Partner, vals_list):
    """Create partners, then all their contact persons in one batch.

    Odoo syncs each new partner on its own (``_fields_sync``: a ``write`` or
    two per contact person, most of an import's time); here the partners are
    created with that sync skipped (Odoo's ``_partners_skip_fields_sync``)
    and what it would do is in the contact persons' values instead: the
    company's commercial fields (VAT...), its address for persons of type
    "contact" when it has one, its language; a company without an address
    takes that of its only new child that has one (Odoo's first-contact
    rule). Skipped on purpose: the company-dependent commercial fields of
    other companies (a partner just created has none of its own to pass
    on), computed commercial fields (the pricelist: the child computes the
    same from the same country), and the sync to children of the new
    partners (they have none yet)."""
    Partner = Partner.with_context(_partners_skip_fields_sync=True)
    # the defaults, computed once for the batch (Odoo asks for them once per new record)
    defaults = Partner.default_get(list(Partner._fields))
    vals_list = [dict(defaults, **vals) for vals in vals_list]
    children = [vals.pop("child_ids", []) for vals in vals_list]
    partners = Partner.create(vals_list)
    # a computed commercial field (the pricelist) follows from what the child inherits (the country):
    # setting it would run its inverse for every child
    commercial_fields = [name for name in Partner._commercial_fields()
                         if not (Partner._fields[name].compute and not Partner._fields[name].store)]
    address_fields = Partner._address_fields()
    child_vals, parents = [], []
    for partner, commands in zip(partners, children, strict=True):
        if not commands:
            continue
        inherited = partner._update_fields_values(commercial_fields)
        address = partner._update_fields_values(address_fields) \
            if any(partner[key] for key in address_fields) else None
        lang = partner.lang or Partner.env.context.get("default_lang") or Partner.env.lang
        for command in commands:
            vals = {**defaults, **command[2], **inherited, "parent_id": partner.id,
                    "lang": command[2].get("lang") or lang}
            if address and vals.get("type", "contact") == "contact":
                vals.update(address)
            child_vals.append(vals)
            parents.append((partner, address is None))
    kids = Partner.create(child_vals)
    only_kid = {}
    for (partner, bare), kid, vals in zip(parents, kids, child_vals, strict=True):
        if bare and any(vals.get(key) for key in address_fields):
            only_kid[partner.id] = kid
    for partner, commands in zip(partners, children, strict=True):
        if len(commands) == 1 and partner.id in only_kid:
            partner.update_address(only_kid[partner.id]._update_fields_values(address_fields))
    return partners


def update_partner(partner, contact, lookup, title_id):
    """Write Xero's values on a bound partner; True when something changed.

    Left as they are: whether it is a company, a title it has, ranks higher
    than Xero's, and contact persons it already has (by name and type; one
    invoice address at most; a person takes no primary person)."""
    partner = partner.sudo().with_context(**IMPORT_CONTEXT)
    values = mapper.partner_values(contact, lookup, title_id)
    children = values.pop("child_ids", [])
    values.pop("is_company", None)
    if "title" in values and partner.title:
        values.pop("title")
    for rank in ("customer_rank", "supplier_rank"):
        if rank in values and partner[rank] >= values[rank]:
            values.pop(rank)
    changes = changed_values(partner, values)
    status = (contact.get("ContactStatus") or "ACTIVE").upper()
    if partner.xero_contact_status != status:
        changes["xero_contact_status"] = status
    have = {((c.name or "").strip().lower(), c.type) for c in partner.child_ids}
    new_children = [cmd for cmd in children
                    if ((cmd[2].get("name") or "").strip().lower(), cmd[2]["type"]) not in have
                    and not (cmd[2]["type"] == "invoice" and any(t == "invoice" for _n, t in have))
                    and (partner.is_company or not cmd[2].get("xero_primary_person"))]
    if new_children:
        changes["child_ids"] = new_children
    if changes:
        partner.write(changes)
    return bool(changes)
