"""Partners: their Xero contact fields and the hooks that push their changes.

When the connection pushes contact changes, an edit of what Xero shows of a
partner bound to a Xero contact queues a "contact" row (see
:func:`..sync.contacts.queue_push`); contact persons push their company.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..sync import contacts
from ..sync.actions import check_user, guard_xero_fields

#: partner fields whose change is pushed to Xero (on the partner or a contact person)
PUSH_FIELDS = frozenset({
    "name", "title", "email", "phone", "mobile", "street", "street2", "city", "zip", "state_id",
    "country_id", "vat", "ref", "is_company", "parent_id", "type", "active", "xero_primary_person",
    "xero_include_in_emails",
})


class ResPartner(models.Model):
    _inherit = "res.partner"
    _xero_id_field = "xero_contact_id"

    xero_contact_id = fields.Char(
        "Xero ContactID", company_dependent=True, copy=False, index="btree_not_null",
        help="Id of this partner's contact in the Xero organisation of the current company.")
    xero_contact_status = fields.Char(
        "Xero contact status", company_dependent=True, copy=False, readonly=True,
        help="ACTIVE or ARCHIVED, as last seen in Xero.")
    xero_contact_hash = fields.Char(
        "Xero contact version", company_dependent=True, copy=False, readonly=True,
        help="Hash of what Xero last accepted or sent of this contact: an edit that does not "
        "change it is not pushed.")
    xero_primary_person = fields.Boolean(
        "Xero primary person", copy=False,
        help="This contact person is the first and last name of its company's contact in Xero.")
    xero_include_in_emails = fields.Boolean(
        "Included in Xero e-mails", copy=False,
        help="Xero sends invoices e-mailed to its company to this contact person too.")
    xero_connected = fields.Boolean(compute="_compute_xero_connected")

    def _compute_xero_connected(self):
        conn = self.env["xero.connection"].sudo()._for_company(self.env.company)
        connected = bool(conn) and conn.sudo().state == "connected"
        for partner in self:
            partner.xero_connected = connected

    # ------------------------------------------------------------ hooks
    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self.env.context.get("xero_no_push"):
            children = partners.filtered("parent_id")
            connections = children and contacts.push_connections(self.env)
            if connections:
                notes = {p.commercial_partner_id.id: [self.env._("New contact person %s", p.name)] for p in children}
                contacts.queue_push(children.commercial_partner_id, connections, notes)
        return partners

    def write(self, vals):
        guard_xero_fields(self, vals, ("xero_contact_id", "xero_contact_status", "xero_contact_hash"))
        if self.env.context.get("xero_no_push") or not PUSH_FIELDS & vals.keys():
            return super().write(vals)
        connections = contacts.push_connections(self.env)
        if not connections:
            return super().write(vals)
        targets = self.commercial_partner_id
        history = any(connections.mapped("contact_history"))
        before = contacts.note_values(self, vals) if history else {}
        # children written by Odoo's commercial-field sync are covered by their parent
        res = super(ResPartner, self.with_context(xero_no_push=True)).write(vals)
        targets |= self.commercial_partner_id
        notes = contacts.change_notes(self, before) if history else {}
        contacts.queue_push(targets, connections, notes)
        return res

    def unlink(self):
        self.env["xero.queue"]._xero_check_not_in_flight("res.partner", self.ids)
        connections = not self.env.context.get("xero_no_push") and self.filtered("parent_id") \
            and contacts.push_connections(self.env)
        parents = self.filtered("parent_id").commercial_partner_id - self if connections else self.browse()
        notes = {p.commercial_partner_id.id: [self.env._("Contact person %s removed", p.name)]
                 for p in self.filtered("parent_id")} if connections else {}
        res = super().unlink()
        if parents:
            contacts.queue_push(parents.exists(), connections, notes)
        return res

    # ------------------------------------------------------------ buttons
    def _xero_connection(self):
        conn = self.env["xero.connection"].sudo()._for_company(self.env.company)
        if not conn:
            raise UserError(_("%s is not connected to Xero.", self.env.company.name))
        conn._ensure_connected()
        return conn

    def action_xero_link(self):
        """Open the "Link to Xero" wizard on this partner's commercial partner
        (Xero users); for a linked partner, with its Xero contact read from
        Xero and shown next to it."""
        self.ensure_one()
        check_user(self.env)
        conn = self._xero_connection()
        partner = self.commercial_partner_id
        if self.env["xero.binder"]._to_xero(partner, conn.company_id):
            wizard = self.env["xero.link.contact"].with_context(default_partner_id=partner.id).create({})
            wizard._xero_show_linked()
            return wizard._reopen()
        return {
            "type": "ir.actions.act_window",
            "name": _("Link to Xero"),
            "res_model": "xero.link.contact",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_xero_export(self):
        """Create this unlinked partner as a new Xero contact now (Xero users; one call)."""
        self.ensure_one()
        check_user(self.env)
        self.check_access("read")
        return contacts.export_partner(self._xero_connection(), self.commercial_partner_id)
