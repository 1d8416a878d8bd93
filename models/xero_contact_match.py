"""Contacts coming from Xero: one page of an import, and the proposals
("to confirm") made when a Xero contact looks like an existing partner.

Matching, in order: the ContactID (binder) — the only match that links —
then the tax number, the exact e-mail, the exact name. A match by anything
but the ContactID becomes a ``xero.contact.match`` the user confirms, turns
into a new partner, or ignores; a Xero contact matching nothing becomes a
new partner. Re-running an import never creates a partner twice.
"""

import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.mappers import contact as mapper
from ..services.mappers.master import changed_values

_logger = logging.getLogger(__name__)

IMPORT_CONTEXT = {"xero_no_push": True, "tracking_disable": True, "mail_create_nolog": True,
                  "mail_create_nosubscribe": True, "mail_notrack": True}
MATCH_BY = [("vat", "Tax number"), ("email", "E-mail"), ("name", "Name")]


class XeroContactMatch(models.Model):
    """A Xero contact that looks like an existing partner: waits for a user."""

    _name = "xero.contact.match"
    _description = "Xero Contact to Confirm"
    _order = "state, id"
    _check_company_auto = True
    _rec_name = "xero_name"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    xero_contact_id = fields.Char("Xero ContactID", required=True, readonly=True)
    xero_name = fields.Char("Xero name", readonly=True)
    xero_email = fields.Char("Xero e-mail", readonly=True)
    xero_tax_number = fields.Char("Xero tax number", readonly=True)
    xero_account_number = fields.Char("Xero account number", readonly=True)
    contact_data = fields.Text("Xero contact", readonly=True, help="The contact as Xero sent it.")
    partner_id = fields.Many2one("res.partner", "Odoo partner", ondelete="cascade", index=True,
                                 help="The partner that looks like the Xero contact.")
    partner_email = fields.Char(related="partner_id.email", string="Partner e-mail")
    partner_vat = fields.Char(related="partner_id.vat", string="Partner tax number")
    partner_ref = fields.Char(related="partner_id.ref", string="Partner reference")
    match_by = fields.Selection(MATCH_BY, "Matched on", readonly=True)
    state = fields.Selection(
        [("pending", "To confirm"), ("confirmed", "Linked"), ("created", "Created as new"),
         ("ignored", "Ignored")], default="pending", required=True, index=True)
    job_id = fields.Many2one("xero.import.job", "Import", ondelete="set null")

    _sql_constraints = [
        ("contact_unique", "unique(connection_id, xero_contact_id)",
         "This Xero contact already has a proposal."),
    ]

    # ------------------------------------------------------------ user decisions
    def _check_pending(self):
        if not self.env.user.has_group("account_xero.group_xero_manager"):
            raise UserError(_("Only Xero administrators decide on contacts to confirm."))
        done = self.filtered(lambda m: m.state != "pending")
        if done:
            raise UserError(_("%s was already decided.", done[0].xero_name))

    def action_confirm(self):
        """Link the partner to the Xero contact; fill only its empty fields."""
        self._check_pending()
        binder = self.env["xero.binder"]
        for match in self.sudo():
            company = match.company_id
            partner = match.partner_id.with_company(company).with_context(**IMPORT_CONTEXT)
            if not partner:
                raise UserError(_("Choose the Odoo partner to link %s to.", match.xero_name))
            if binder.to_xero(partner, company):
                raise UserError(_("%(partner)s is already linked to another Xero contact: unlink it first.",
                                  partner=partner.display_name))
            holder = binder.to_record("res.partner", match.xero_contact_id, company)
            if holder:
                raise UserError(_("The Xero contact %(name)s is already linked to %(partner)s.",
                                  name=match.xero_name, partner=holder.display_name))
            contact = json.loads(match.contact_data or "{}")
            values = mapper.partner_values(contact, self.env, match.connection_id.contact_default_title_id.id)
            values.pop("child_ids", None)
            values.pop("is_company", None)
            fill = {k: v for k, v in values.items() if not partner[k] or k.endswith("_rank")}
            fill = {k: v for k, v in changed_values(partner, fill).items()
                    if not k.endswith("_rank") or (v or 0) > partner[k]}
            if fill:
                partner.write(fill)
            binder.bind(partner, match.xero_contact_id, company)
            partner.xero_contact_status = contact.get("ContactStatus") or "ACTIVE"
            match.state = "confirmed"
            partner.message_post(body=_("Linked to the Xero contact %(name)s (%(id)s) by %(user)s.",
                                        name=match.xero_name, id=match.xero_contact_id, user=self.env.user.name))
        return True

    def action_create_new(self):
        """Create a new partner from the Xero contact (not the proposed one)."""
        self._check_pending()
        for match in self.sudo():
            contact = json.loads(match.contact_data or "{}")
            if self.env["xero.binder"].to_record("res.partner", match.xero_contact_id, match.company_id):
                raise UserError(_("The Xero contact %s is already linked to a partner.", match.xero_name))
            created, _failed = self.env["xero.contact.match"]._xero_create_partners(match.connection_id, [contact])
            if not created:
                raise UserError(_("%s could not be created: see Xero ▸ Sync log.", match.xero_name))
            match.state = "created"
        return True

    def action_ignore(self):
        """Neither link nor create: later imports leave this contact alone."""
        self._check_pending()
        self.sudo().write({"state": "ignored"})
        return True

    def action_open_partner(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "res.partner", "res_id": self.partner_id.id,
                "view_mode": "form"}

    # ------------------------------------------------------------ one page
    @api.model
    def _xero_import_page(self, connection, contacts, job=None):
        """Import one page of Xero contacts; return counts.

        Bound partners are updated with Xero's non-empty values (a company
        stays a company; ranks only go up; missing contact persons are
        added). Archived Xero contacts only update the partner bound to
        them. Decided proposals are respected (ignored stays ignored)."""
        company = connection.company_id
        binder = self.env["xero.binder"]
        Match = self.sudo()
        counts = dict.fromkeys(("created", "updated", "unchanged", "proposed", "skipped", "failed"), 0)
        ids = [c["ContactID"] for c in contacts if c.get("ContactID")]
        bound = binder.to_records("res.partner", ids, company)
        matches = {m.xero_contact_id: m for m in Match.search([("connection_id", "=", connection.id),
                                                             ("xero_contact_id", "in", ids)])}
        lookup = mapper.AddressLookup(self.env)
        title_id = connection.contact_default_title_id.id
        fresh = []
        for contact in contacts:
            cid = contact.get("ContactID")
            if not cid:
                continue
            partner = bound.get(cid)
            if partner:
                changed = self._xero_update_partner(partner.with_company(company), contact, lookup, title_id)
                counts["updated" if changed else "unchanged"] += 1
                continue
            if (contact.get("ContactStatus") or "ACTIVE").upper() != "ACTIVE":
                counts["skipped"] += 1
                continue
            match = matches.get(cid)
            if match and match.state in ("pending", "ignored"):
                if match.state == "pending":
                    values = self._xero_match_values(contact)
                    if values["contact_data"] != match.contact_data:
                        match.write(values)
                    counts["proposed"] += 1
                else:
                    counts["skipped"] += 1
                continue
            if match:  # linked or created once, since unlinked by a user: decide again
                match.unlink()
            fresh.append(contact)
        found = self._xero_find_partners(company, fresh)
        to_create = []
        for contact in fresh:
            hit = found.get(contact["ContactID"])
            if hit:
                partner, how = hit
                Match.create(dict(self._xero_match_values(contact), connection_id=connection.id,
                                  partner_id=partner.id, match_by=how, job_id=job.id if job else False))
                counts["proposed"] += 1
            else:
                to_create.append(contact)
        created, failed = self._xero_create_partners(connection, to_create, lookup, job)
        counts["created"] += created
        counts["failed"] += failed
        return counts

    @api.model
    def _xero_match_values(self, contact):
        return {
            "xero_contact_id": contact["ContactID"],
            "xero_name": contact.get("Name"),
            "xero_email": contact.get("EmailAddress") or False,
            "xero_tax_number": contact.get("TaxNumber") or False,
            "xero_account_number": contact.get("AccountNumber") or False,
            "contact_data": json.dumps(contact, sort_keys=True),
        }

    @api.model
    def _xero_find_partners(self, company, contacts):
        """``{ContactID: (partner, "vat"|"email"|"name")}`` for contacts that
        look like an unlinked commercial partner of ``company`` (3 queries)."""
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
            self.env.cr.execute(
                f"SELECT {expr}, p.id FROM res_partner p WHERE {base} AND {expr} = ANY(%s) ORDER BY p.id",  # noqa: S608
                (company.id, list(values)))
            for key, pid in self.env.cr.fetchall():
                found[how].setdefault(key, []).append(pid)
        candidate_ids = {pid for table in found.values() for ids in table.values() for pid in ids}
        partners = self.env["res.partner"].sudo().with_company(company).browse(candidate_ids)
        linked = {p.id for p in partners if p.xero_contact_id}
        result = {}
        for contact in contacts:
            keys = (("vat", mapper.norm_vat(contact.get("TaxNumber"))),
                    ("email", mapper.norm_email(contact.get("EmailAddress"))),
                    ("name", (contact.get("Name") or "").strip().lower()))
            for how, key in keys:
                ids = [pid for pid in found[how].get(key, []) if pid not in linked] if key else []
                if ids:
                    result[contact["ContactID"]] = (self.env["res.partner"].browse(ids[0]), how)
                    break
        return result

    # ------------------------------------------------------------ write partners
    @api.model
    def _xero_create_partners(self, connection, contacts, lookup=None, job=None):
        """Create and bind one partner per Xero contact; ``(created, failed)``.

        Created together; if that fails, one by one so one bad contact is
        logged and the others still come in."""
        if not contacts:
            return 0, 0
        company = connection.company_id
        lookup = lookup or mapper.AddressLookup(self.env)
        Partner = self.env["res.partner"].sudo().with_company(company).with_context(**IMPORT_CONTEXT)
        title_id = connection.contact_default_title_id.id
        vals_list = []
        for contact in contacts:
            values = mapper.partner_values(contact, lookup, title_id)
            values["xero_contact_status"] = contact.get("ContactStatus") or "ACTIVE"
            vals_list.append(values)
        try:
            with self.env.cr.savepoint():
                pairs = list(zip(self._xero_create_with_children(Partner, vals_list), contacts, strict=True))
        except Exception:  # noqa: BLE001 - retried one by one below, each failure logged
            pairs = []
            for vals, contact in zip(vals_list, contacts, strict=True):
                try:
                    with self.env.cr.savepoint():
                        pairs.append((self._xero_create_with_children(Partner, [vals]), contact))
                except Exception as exc:  # noqa: BLE001 - one bad contact must not stop the import
                    _logger.warning("Xero contact %s not imported: %s", contact.get("ContactID"), exc)
                    self.env["xero.sync.log"]._log(
                        connection, "contact", "import", "failed", run=job.run_id if job else None,
                        xero_id=contact.get("ContactID"),
                        message=_("%(name)s could not be imported: %(error)s", name=contact.get("Name"),
                                  error=str(exc)))
        binder = self.env["xero.binder"]
        for partner, contact in pairs:
            binder.bind(partner, contact["ContactID"], company)
        return len(pairs), len(contacts) - len(pairs)

    @api.model
    def _xero_create_with_children(self, Partner, vals_list):
        """Create partners, then all their contact persons in one batch
        (quicker than one nested create per partner)."""
        vals_list = [dict(vals) for vals in vals_list]
        children = [vals.pop("child_ids", []) for vals in vals_list]
        partners = Partner.create(vals_list)
        Partner.create([dict(command[2], parent_id=partner.id)
                        for partner, commands in zip(partners, children, strict=True) for command in commands])
        return partners

    @api.model
    def _xero_update_partner(self, partner, contact, lookup, title_id):
        """Write Xero's values on a bound partner; True when something changed."""
        partner = partner.sudo().with_context(**IMPORT_CONTEXT)
        values = mapper.partner_values(contact, lookup, title_id)
        children = values.pop("child_ids", [])
        values.pop("is_company", None)  # a company stays a company (and a person a person)
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
