"""Import chosen Xero contacts: list Xero's contacts 100 at a time (search
by name, customers or suppliers, "Load more"), tick some, import them.

Xero administrators only (imports are theirs; every button checks it). The
listing is a user's own read (no sync run: its errors are shown and nothing
is kept); the import is a run of kind ``contacts`` (the connection's sync
lock, a line in the sync history) that imports the ticked contacts as the
background import imports a page: the same matching (bound partners are
updated, a partner that looks the same is proposed for confirmation, the
others are created and linked). The background import of every contact
stays (Import contacts).
"""

import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services.api import AccountingAdapter
from ..sync.actions import check_manager, user_errors
from ..sync.importers.contact_pages import import_page
from ..sync.run import SyncRun

#: contacts listed per page
PAGE_SIZE = 100
ROLES = [("all", "All"), ("customer", "Customers"), ("supplier", "Suppliers")]


class XeroContactImport(models.TransientModel):
    _name = "xero.contact.import"
    _description = "Import chosen Xero contacts"

    connection_id = fields.Many2one("xero.connection", required=True, readonly=True, ondelete="cascade",
                                    default=lambda self: self._default_connection())
    search_term = fields.Char("Search by name", help="Xero's search: name, e-mail and numbers. Empty: every contact.")
    role = fields.Selection(ROLES, "Show", default="all", required=True,
                            help="Xero flags a contact as a customer or a supplier once it has documents: "
                            "contacts without any are shown under both.")
    page = fields.Integer(default=0, readonly=True)
    has_more = fields.Boolean(readonly=True)
    searched = fields.Boolean(readonly=True)
    line_ids = fields.One2many("xero.contact.import.line", "wizard_id", "Xero contacts")
    count_listed = fields.Integer("Listed", compute="_compute_counts")
    count_selected = fields.Integer("Ticked", compute="_compute_counts")
    result = fields.Char(readonly=True)

    @api.model
    def _default_connection(self):
        conn = self.env["xero.connection"].browse(self.env.context.get("default_connection_id")).exists()
        return (conn or self.env["xero.connection"]._for_company(self.env.company)).id

    @api.depends("line_ids.selected")
    def _compute_counts(self):
        for wizard in self:
            wizard.count_listed = len(wizard.line_ids)
            wizard.count_selected = len(wizard.line_ids.filtered("selected"))

    def _reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id, "view_mode": "form",
                "target": "new", "name": _("Import contacts from Xero")}

    # ------------------------------------------------------------ listing
    def action_search(self):
        """List the first page of Xero contacts for the search and filter (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        self.line_ids.sudo().unlink()  # listed rows are written by the wizard only
        self.sudo().write({"page": 0, "has_more": False, "result": False})
        self._xero_fetch(1)
        return self._reopen()

    def action_load_more(self):
        """List the next page (administrators); ticked rows stay ticked."""
        self.ensure_one()
        check_manager(self.env)
        self._xero_fetch(self.page + 1)
        return self._reopen()

    def _xero_fetch(self, number):
        """Read one page of Xero's active contacts, by name, and list it. A
        contact already listed (Xero's pages moved meanwhile) is not listed
        twice."""
        conn = self.connection_id
        conn._ensure_connected()
        xero = AccountingAdapter(conn.sudo()._xero_client())
        with user_errors(self.env):
            page = xero.contact_choice_page(number, PAGE_SIZE, term=(self.search_term or "").strip() or None,
                                            role=self.role)
        listed = set(self.line_ids.mapped("contact_id"))
        contacts = [c for c in page.elements if c.get("ContactID") and c["ContactID"] not in listed]
        linked = self.env["xero.binder"]._to_records("res.partner", [c["ContactID"] for c in contacts],
                                                     conn.company_id)
        Line = self.env["xero.contact.import.line"].sudo()
        Line.create([dict(Line._values(contact), wizard_id=self.id, sequence=number * 1000 + index,
                          linked_partner_id=linked[contact["ContactID"]].id if contact["ContactID"] in linked
                          else False)
                     for index, contact in enumerate(contacts)])
        self.sudo().write({"page": number, "searched": True, "has_more": not page.last})

    # ------------------------------------------------------------ import
    def action_import(self):
        """Import the ticked contacts (administrators): one run, no call to
        Xero (the listed contacts are what Xero answered). Refused while
        another sync of the connection runs."""
        self.ensure_one()
        check_manager(self.env)
        lines = self.line_ids.filtered("selected")
        if not lines:
            raise UserError(_("Tick the contacts to import first."))
        conn = self.connection_id
        conn._ensure_connected()
        contacts = [json.loads(line.data) for line in lines]
        sync = SyncRun(conn, "contacts", "manual", operation=_("Import chosen contacts"), one_off=True)
        with sync as ctx:
            counts = import_page(ctx.connection, contacts)
            ctx.notes.append(_(
                "%(count)s chosen: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(proposed)s "
                "to confirm, %(skipped)s skipped, %(failed)s failed.", count=len(contacts), **counts))
        if sync.state:
            raise UserError(_("The import did not finish: %s", sync.message))
        message = sync.run.message
        linked = self.env["xero.binder"]._to_records("res.partner", lines.mapped("contact_id"), conn.company_id)
        for line in lines:
            line.sudo().write({"selected": False, "linked_partner_id": linked.get(line.contact_id, False)
                               and linked[line.contact_id].id})
        self.sudo().result = message
        return self._reopen()
