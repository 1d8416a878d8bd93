"""Link a partner to a Xero contact by hand: search Xero (paged, "load
more"), compare side by side, link, unlink, or type a ContactID after an
explicit warning.

Opened on a linked partner, it shows at once the partner next to its Xero
contact as Xero has it now (read by id: addresses, e-mail, phone, numbers,
and Xero's balances of the contact — owed and overdue, raw in the
contact's currency), with the link that opens the contact in Xero, the
search ("look up in Xero"), unlinking and the manual ContactID.

Xero users search, link and unlink (every button checks it: the form is no
guard against RPC); typing a ContactID by hand is for Xero administrators.
Xero is read directly (a user's own read, no sync run): its errors are shown
to the user and nothing is kept of a failed read.
"""

import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.api import AccountingAdapter
from ..services.deeplinks import contact_link
from ..services.util import is_uuid
from ..sync import organisation
from ..sync.actions import check_user, user_errors

PAGE_SIZE = 20


def _address_text(address):
    parts = [address.get(k) for k in ("AddressLine1", "AddressLine2", "City", "Region", "PostalCode", "Country")]
    return ", ".join(p for p in parts if p)


def _phone_text(phones):
    for phone in phones or []:
        number = " ".join(p for p in (phone.get("PhoneCountryCode") and "+" + phone["PhoneCountryCode"],
                                      phone.get("PhoneAreaCode"), phone.get("PhoneNumber")) if p)
        if phone.get("PhoneNumber"):
            return number
    return ""


class XeroLinkContact(models.TransientModel):
    _name = "xero.link.contact"
    _description = "Link a partner to a Xero contact"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade")
    connection_id = fields.Many2one("xero.connection", required=True, readonly=True, ondelete="cascade")
    current_contact_id = fields.Char("Linked to ContactID", readonly=True)
    search_by = fields.Selection([("name", "Name"), ("email", "E-mail"), ("account", "Account number")],
                                 default="name", required=True)
    search_term = fields.Char("Search Xero for")
    page = fields.Integer(default=0)
    has_more = fields.Boolean()
    searched = fields.Boolean()
    result_ids = fields.One2many("xero.link.contact.result", "wizard_id", "Xero contacts")
    selected_id = fields.Many2one("xero.link.contact.result", "Selected contact")
    selected_name = fields.Char(related="selected_id.name", string="Xero name")
    selected_email = fields.Char(related="selected_id.email", string="Xero e-mail")
    selected_phone = fields.Char(related="selected_id.phone", string="Xero phone")
    selected_account_number = fields.Char(related="selected_id.account_number", string="Xero account number")
    selected_tax_number = fields.Char(related="selected_id.tax_number", string="Xero tax number")
    selected_address = fields.Char(related="selected_id.address", string="Xero address")
    selected_street_address = fields.Char(related="selected_id.street_address", string="Xero street address")
    selected_has_balances = fields.Boolean(related="selected_id.has_balances")
    selected_currency_id = fields.Many2one(related="selected_id.currency_id", string="Xero balances currency")
    selected_ar_outstanding = fields.Monetary(related="selected_id.ar_outstanding", string="Owed to you",
                                              currency_field="selected_currency_id")
    selected_ar_overdue = fields.Monetary(related="selected_id.ar_overdue", string="Owed to you, overdue",
                                          currency_field="selected_currency_id")
    selected_ap_outstanding = fields.Monetary(related="selected_id.ap_outstanding", string="You owe",
                                              currency_field="selected_currency_id")
    selected_ap_overdue = fields.Monetary(related="selected_id.ap_overdue", string="You owe, overdue",
                                          currency_field="selected_currency_id")
    selected_xero_url = fields.Char(related="selected_id.xero_url", string="Open in Xero")
    selected_status = fields.Char(related="selected_id.status", string="Xero status")
    selected_linked_partner_id = fields.Many2one(related="selected_id.linked_partner_id",
                                                 string="Linked in Odoo to")
    # the Odoo side of the comparison
    partner_email = fields.Char(related="partner_id.email", string="Odoo e-mail")
    partner_phone = fields.Char(related="partner_id.phone", string="Odoo phone")
    partner_vat = fields.Char(related="partner_id.vat", string="Odoo tax number")
    partner_ref = fields.Char(related="partner_id.ref", string="Odoo reference")
    partner_address = fields.Char("Odoo address", compute="_compute_partner_address")
    partner_invoice_address = fields.Char("Odoo invoice address", compute="_compute_partner_address")
    linked_error = fields.Char("Xero could not be read", readonly=True)
    # manual ContactID
    manual_contact_id = fields.Char("ContactID")
    manual_confirm = fields.Boolean("I have checked this ContactID in Xero")

    @api.depends("partner_id")
    def _compute_partner_address(self):
        def text(p):
            return ", ".join(x for x in (p.street, p.street2, p.city, p.state_id.code, p.zip, p.country_id.name) if x)

        for wiz in self:
            p = wiz.partner_id
            wiz.partner_address = text(p)
            invoice = p.child_ids.filtered(lambda c: c.type == "invoice" and c.active)[:1]
            wiz.partner_invoice_address = text(invoice) if invoice else False

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        partner = self.env["res.partner"].browse(values.get("partner_id") or self.env.context.get("active_id"))
        partner = partner.commercial_partner_id
        conn = self.env["xero.connection"].sudo()._for_company(self.env.company)
        if not conn:
            raise UserError(_("%s is not connected to Xero.", self.env.company.name))
        values.update(partner_id=partner.id, connection_id=conn.id, search_term=partner.name,
                      current_contact_id=self.env["xero.binder"]._to_xero(partner, conn.company_id) or False)
        return values

    def _reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new", "name": _("Link to Xero")}

    # ------------------------------------------------------------ search
    def action_search(self):
        self.ensure_one()
        check_user(self.env)
        self.result_ids.sudo().unlink()  # result rows are read-only to users: the wizard's own
        self.write({"page": 0, "has_more": False, "selected_id": False})
        self._xero_fetch(1)
        return self._reopen()

    def action_load_more(self):
        self.ensure_one()
        check_user(self.env)
        self._xero_fetch(self.page + 1)
        return self._reopen()

    def _xero_fetch(self, page):
        """One page of Xero contacts matching the search (archived ones too):
        by account number exactly, else Xero's search on name, e-mail and numbers."""
        term = (self.search_term or "").strip()
        if not term:
            raise UserError(_("Type a name, an e-mail or an account number to search Xero."))
        xero = AccountingAdapter(self.connection_id.sudo()._xero_client())
        with user_errors(self.env):
            found = xero.contact_search(term, self.search_by, page, PAGE_SIZE)
        contacts = found.elements
        company = self.connection_id.company_id
        linked = self.env["xero.binder"]._to_records("res.partner", [c.get("ContactID") for c in contacts], company)
        self.env["xero.link.contact.result"].sudo().create([
            dict(self.env["xero.link.contact.result"]._values(contact), wizard_id=self.id, sequence=page * 1000 + i,
                 linked_partner_id=linked[contact["ContactID"]].id if contact.get("ContactID") in linked else False)
            for i, contact in enumerate(contacts)])
        page_count = found.page_count
        self.write({"page": page, "searched": True,
                    "has_more": page < page_count if page_count is not None else len(contacts) == PAGE_SIZE})

    # ------------------------------------------------------------ the linked contact
    def action_show_linked(self):
        """Read the linked Xero contact again and show it next to the partner (Xero users)."""
        self.ensure_one()
        check_user(self.env)
        self._xero_show_linked()
        return self._reopen()

    def _xero_show_linked(self):
        """Show the linked contact as Xero has it now, next to the partner:
        one call (by id: Xero then gives its balances), one more the first
        time for the organisation's ShortCode (the link to Xero). A failed
        read is said in the wizard instead of raised: unlinking and the
        manual ContactID stay at hand. Nothing to show when not linked."""
        self.ensure_one()
        if not self.current_contact_id:
            return
        xero = AccountingAdapter(self.connection_id.sudo()._xero_client())
        missing = _("Xero has no contact with the ContactID %s any more: unlink it, or type the right one "
                    "below.", self.current_contact_id)
        try:
            with user_errors(self.env, not_found=missing):
                contact = xero.contact(self.current_contact_id)
                organisation.short_code(self.connection_id, xero)
        except UserError as exc:
            self.sudo().write({"linked_error": exc.args[0], "selected_id": False})
            return
        if not contact:
            self.sudo().write({"linked_error": missing, "selected_id": False})
            return
        Result = self.env["xero.link.contact.result"].sudo()
        self.result_ids.filtered(lambda r: r.contact_id == contact["ContactID"] and r.sequence < 0).sudo().unlink()
        result = Result.create(dict(Result._values(contact), wizard_id=self.id, sequence=-1,
                                    linked_partner_id=self.partner_id.id))
        self.sudo().write({"selected_id": result.id, "linked_error": False})

    # ------------------------------------------------------------ link / unlink
    def action_link_selected(self):
        self.ensure_one()
        check_user(self.env)
        if not self.selected_id:
            raise UserError(_("Choose a Xero contact first (Compare)."))
        return self.selected_id.action_link()

    def _xero_link(self, contact_id, name, status, how):
        """Bind the partner to ``contact_id`` (refused when either side is
        already linked elsewhere) and say so in the partner's chatter; its
        pending proposal, if any, is marked linked. Written through ``sudo()``:
        the callers checked the user's group."""
        self.ensure_one()
        company = self.connection_id.company_id
        binder = self.env["xero.binder"]
        partner = self.partner_id.sudo().with_company(company).with_context(xero_no_push=True)
        holder = binder._to_record("res.partner", contact_id, company)
        if holder and holder != self.partner_id:
            raise UserError(_("The Xero contact %(name)s is already linked to %(partner)s: unlink it there "
                              "first.", name=name, partner=holder.display_name))
        current = binder._to_xero(partner, company)
        if current and current != contact_id:
            raise UserError(_("%(partner)s is already linked to another Xero contact: unlink it first.",
                              partner=partner.display_name))
        binder._bind(partner, contact_id, company)
        partner.write({"xero_contact_status": status or "ACTIVE", "xero_contact_hash": False})
        self.env["xero.contact.match"].sudo().search([
            ("connection_id", "=", self.connection_id.id), ("xero_contact_id", "=", contact_id),
            ("state", "=", "pending")]).write({"state": "confirmed", "partner_id": self.partner_id.id})
        partner.message_post(body=how)
        return {"type": "ir.actions.act_window_close"}

    def action_unlink(self):
        """Unlink the partner; its contact rows not yet sent are skipped (they
        would otherwise create a second contact in Xero). Refused while one
        of them is being sent (Xero users)."""
        self.ensure_one()
        check_user(self.env)
        company = self.connection_id.company_id
        partner = self.partner_id.sudo().with_company(company).with_context(xero_no_push=True)
        old = self.env["xero.binder"]._to_xero(partner, company)
        if not old:
            raise UserError(_("%s is not linked to Xero.", partner.display_name))
        rows = self.env["xero.queue"].sudo().search([
            ("connection_id", "=", self.connection_id.id), ("res_model", "=", "res.partner"),
            ("res_id", "=", partner.id), ("action", "=", "contact"),
            ("state", "in", ("waiting", "failed", "sending"))])
        if rows.filtered(lambda r: r.state == "sending"):
            raise UserError(_("%s is being sent to Xero right now: try again in a moment.", partner.display_name))
        for row in rows:
            row.write({"state": "skipped", "message": _("Unlinked from Xero by %s.", self.env.user.name)})
        self.env["xero.binder"]._unbind(partner, company)
        partner.write({"xero_contact_status": False, "xero_contact_hash": False})
        partner.message_post(body=_("Unlinked from the Xero contact %(id)s by %(user)s.",
                                    id=old, user=self.env.user.name))
        return {"type": "ir.actions.act_window_close"}

    def action_set_manual_id(self):
        """Link to a ContactID typed by hand — Xero administrators only,
        after ticking the warning; the id must exist in Xero."""
        self.ensure_one()
        if not self.env.user.has_group("account_xero.group_xero_manager"):
            raise UserError(_("Only Xero administrators can type a ContactID by hand."))
        if not self.manual_confirm:
            raise UserError(_("Tick the box to confirm you checked this ContactID in Xero: a wrong id sends "
                              "this partner's invoices to another customer's account."))
        contact_id = (self.manual_contact_id or "").strip().lower()
        if not is_uuid(contact_id):
            raise UserError(_("%s is not a Xero ContactID (it looks like 8-4-4-4-12 hexadecimal characters).",
                              self.manual_contact_id or ""))
        xero = AccountingAdapter(self.connection_id.sudo()._xero_client())
        missing = _("Xero has no contact with the ContactID %s.", contact_id)
        with user_errors(self.env, not_found=missing):
            contact = xero.contact(contact_id)
        if not contact:
            raise UserError(missing)
        company = self.connection_id.company_id
        partner = self.partner_id.sudo().with_company(company)
        old = self.env["xero.binder"]._to_xero(partner, company)
        if old and old != contact["ContactID"]:
            self.action_unlink()
        return self._xero_link(contact["ContactID"], contact.get("Name"), contact.get("ContactStatus"), _(
            "ContactID changed by hand by %(user)s: now linked to the Xero contact %(name)s (%(id)s)%(old)s.",
            user=self.env.user.name, name=contact.get("Name"), id=contact["ContactID"],
            old=_(", was %s", old) if old else ""))


class XeroLinkContactResult(models.TransientModel):
    _name = "xero.link.contact.result"
    _description = "Xero contact found"
    _order = "sequence, id"

    wizard_id = fields.Many2one("xero.link.contact", required=True, ondelete="cascade")
    sequence = fields.Integer()
    contact_id = fields.Char("ContactID", readonly=True)
    name = fields.Char(readonly=True)
    person = fields.Char("Contact person", readonly=True)
    email = fields.Char("E-mail", readonly=True)
    phone = fields.Char(readonly=True)
    account_number = fields.Char(readonly=True)
    tax_number = fields.Char(readonly=True)
    address = fields.Char(readonly=True)
    street_address = fields.Char(readonly=True)
    status = fields.Char(readonly=True)
    has_balances = fields.Boolean(readonly=True, help="Xero gave the contact's balances (by id or in pages).")
    currency_code = fields.Char(readonly=True, help="The contact's default currency in Xero, if it has one.")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    ar_outstanding = fields.Monetary("Owed to you", readonly=True)
    ar_overdue = fields.Monetary("Owed to you, overdue", readonly=True)
    ap_outstanding = fields.Monetary("You owe", readonly=True)
    ap_overdue = fields.Monetary("You owe, overdue", readonly=True)
    xero_url = fields.Char("Open in Xero", compute="_compute_xero_url")
    roles = fields.Char("Customer / supplier", readonly=True)
    linked_partner_id = fields.Many2one("res.partner", "Linked in Odoo to", readonly=True)
    data = fields.Text(readonly=True)

    @api.depends("currency_code")
    def _compute_currency_id(self):
        """The contact's currency; Xero's balances of a contact without one are in the organisation's base
        currency (the company's)."""
        Currency = self.env["res.currency"].with_context(active_test=False)
        for result in self:
            found = Currency.search([("name", "=", result.currency_code)], limit=1) if result.currency_code else None
            result.currency_id = found or result.wizard_id.connection_id.company_id.currency_id

    @api.depends("contact_id")
    def _compute_xero_url(self):
        for result in self:
            code = organisation.known_short_code(result.wizard_id.connection_id)
            result.xero_url = contact_link(code, result.contact_id)

    @api.model
    def _values(self, contact):
        addresses = {a.get("AddressType"): a for a in contact.get("Addresses") or []}
        roles = [label for flag, label in (("IsCustomer", _("Customer")), ("IsSupplier", _("Supplier")))
                 if contact.get(flag)]
        balances = contact.get("Balances") or {}
        receivable = balances.get("AccountsReceivable") or {}
        payable = balances.get("AccountsPayable") or {}
        return {
            "street_address": _address_text(addresses.get("STREET") or {}),
            "has_balances": "Balances" in contact,
            "currency_code": contact.get("DefaultCurrency") or False,
            "ar_outstanding": float(receivable.get("Outstanding") or 0.0),
            "ar_overdue": float(receivable.get("Overdue") or 0.0),
            "ap_outstanding": float(payable.get("Outstanding") or 0.0),
            "ap_overdue": float(payable.get("Overdue") or 0.0),
            "contact_id": contact.get("ContactID"),
            "name": contact.get("Name"),
            "person": " ".join(p for p in (contact.get("FirstName"), contact.get("LastName")) if p),
            "email": contact.get("EmailAddress"),
            "phone": _phone_text(contact.get("Phones")),
            "account_number": contact.get("AccountNumber"),
            "tax_number": contact.get("TaxNumber"),
            "address": _address_text(addresses.get("POBOX") or addresses.get("STREET") or {}),
            "status": contact.get("ContactStatus") or "ACTIVE",
            "roles": ", ".join(roles),
            "data": json.dumps(contact, sort_keys=True),
        }

    def action_select(self):
        """Show this contact next to the partner (Xero users)."""
        self.ensure_one()
        check_user(self.env)
        self.wizard_id.selected_id = self
        return self.wizard_id._reopen()

    def action_link(self):
        """Link the wizard's partner to this contact (Xero users): written
        through the wizard, with ``sudo()`` where users only read."""
        self.ensure_one()
        check_user(self.env)
        wizard = self.wizard_id
        return wizard._xero_link(self.contact_id, self.name, self.status, _(
            "Linked to the Xero contact %(name)s (%(id)s) by %(user)s.",
            name=self.name, id=self.contact_id, user=self.env.user.name))
