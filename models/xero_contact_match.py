"""Proposals ("to confirm") made by the contact import when a Xero contact
looks like an existing partner (same tax number, e-mail or name), and the
administrator's decisions on them: link, create a new partner, or ignore.

The import that makes them is ``sync/importers/contacts.py``; a Xero
contact matching nothing becomes a new partner there. Users read proposals;
only Xero administrators decide (written through ``sudo()`` after the check).
"""

import json

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..services.mappers import contact as mapper
from ..services.mappers.master import changed_values
from ..sync.importers.contact_pages import IMPORT_CONTEXT, AddressLookup, create_partners

MATCH_BY = [("vat", "Tax number"), ("email", "E-mail"), ("name", "Name")]


class XeroContactMatch(models.Model):
    """A Xero contact that looks like an existing partner: waits for a user."""

    _name = "xero.contact.match"
    _description = "Xero Contact to Confirm"
    _inherit = ["xero.company.mixin"]
    _order = "state, id"
    _rec_name = "xero_name"

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
        lookup = AddressLookup(self.env)
        for match in self.sudo():
            company = match.company_id
            partner = match.partner_id.with_company(company).with_context(**IMPORT_CONTEXT)
            if not partner:
                raise UserError(_("Choose the Odoo partner to link %s to.", match.xero_name))
            if binder._to_xero(partner, company):
                raise UserError(_("%(partner)s is already linked to another Xero contact: unlink it first.",
                                  partner=partner.display_name))
            holder = binder._to_record("res.partner", match.xero_contact_id, company)
            if holder:
                raise UserError(_("The Xero contact %(name)s is already linked to %(partner)s.",
                                  name=match.xero_name, partner=holder.display_name))
            contact = json.loads(match.contact_data or "{}")
            values = mapper.partner_values(contact, lookup, match.connection_id.contact_default_title_id.id)
            values.pop("child_ids", None)
            values.pop("is_company", None)
            fill = {k: v for k, v in values.items() if not partner[k] or k.endswith("_rank")}
            fill = {k: v for k, v in changed_values(partner, fill).items()
                    if not k.endswith("_rank") or (v or 0) > partner[k]}
            if fill:
                partner.write(fill)
            binder._bind(partner, match.xero_contact_id, company)
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
            if self.env["xero.binder"]._to_record("res.partner", match.xero_contact_id, match.company_id):
                raise UserError(_("The Xero contact %s is already linked to a partner.", match.xero_name))
            created, _failed = create_partners(match.connection_id, [contact])
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
