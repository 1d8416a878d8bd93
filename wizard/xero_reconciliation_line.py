from odoo import api, fields, models

from ..services.deeplinks import document_link
from ..sync.organisation import known_short_code
from .xero_reconciliation import LINE_KINDS

STATUS_LABELS = {
    "draft": "Draft", "open": "Open", "paid": "Paid", "cancelled": "Cancelled",
    "DRAFT": "Draft", "SUBMITTED": "Awaiting approval", "AUTHORISED": "Awaiting payment",
    "PAID": "Paid", "VOIDED": "Voided", "DELETED": "Deleted",
}


class XeroReconciliationLine(models.TransientModel):
    """One difference between Odoo and Xero found by the reconciliation report."""

    _name = "xero.reconciliation.line"
    _description = "Odoo / Xero Reconciliation Line"
    _order = "sequence, id"

    wizard_id = fields.Many2one("xero.reconciliation", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="wizard_id.company_id", store=True)
    sequence = fields.Integer(compute="_compute_sequence", store=True)
    kind = fields.Selection(LINE_KINDS, "Kind", required=True)
    move_id = fields.Many2one("account.move", "Odoo document", ondelete="cascade")
    account_id = fields.Many2one("account.account", "Odoo account", ondelete="cascade")
    account_code = fields.Char("Account")
    name = fields.Char("Document")
    xero_id = fields.Char("Xero ID")
    xero_number = fields.Char("Xero document")
    partner = fields.Char()
    date = fields.Date()
    currency = fields.Char()
    odoo_total = fields.Float("Odoo total")
    xero_total = fields.Float("Xero total")
    odoo_tax = fields.Float("Odoo tax")
    xero_tax = fields.Float("Xero tax")
    odoo_due = fields.Float("Odoo amount due")
    xero_due = fields.Float("Xero amount due")
    odoo_status = fields.Char("Odoo status")
    xero_status = fields.Char("Xero status")
    odoo_balance = fields.Float("Odoo balance")
    xero_balance = fields.Float("Xero balance")
    difference = fields.Float("Gap", help="Odoo minus Xero: total of a document, balance of an account.")
    description = fields.Char("Details")
    xero_type = fields.Char("Xero type")
    odoo_paid = fields.Float("Paid in Odoo", help="A document: what its payments settled. A payment: its amount.")
    xero_paid = fields.Float("Paid in Xero", help="A document: its amount paid. A payment: its amount.")
    payment = fields.Char(help="The payment of a payment line.")
    payment_id = fields.Char("Xero PaymentID")
    xero_url = fields.Char("Open in Xero", compute="_compute_xero_url",
                           help="The document in Xero (Xero's deep link).")

    @api.depends("xero_id", "xero_type")
    def _compute_xero_url(self):
        codes = {}
        for line in self:
            conn = line.wizard_id.connection_id
            if conn.id not in codes:
                codes[conn.id] = known_short_code(conn)
            line.xero_url = document_link(codes[conn.id], line.xero_type, line.xero_id) or False

    @api.depends("kind")
    def _compute_sequence(self):
        order = [k for k, _label in LINE_KINDS]
        for line in self:
            line.sequence = order.index(line.kind) if line.kind in order else 99

    @api.model
    def _describe(self, result):
        """A bookkeeper's sentence for one result line of the comparison."""
        kind = result["kind"]
        money = lambda value: f"{value or 0.0:,.2f}"  # noqa: E731
        status = lambda value: STATUS_LABELS.get(value, value or "-")  # noqa: E731
        if kind == "missing_xero":
            text = self.env._("Posted in Odoo, not found in Xero.")
            return f"{text} {result.get('note') or ''}".strip()
        if kind == "missing_odoo":
            return self.env._("%(status)s in Xero (total %(total)s), linked to no Odoo document.",
                     status=status(result.get("xero_status")), total=money(result.get("xero_total")))
        if kind == "matched":
            return self.env._("Agrees.")
        if kind in ("payment_odoo", "payment_xero"):
            where = self.env._("in Odoo, not in Xero") if kind == "payment_odoo" else self.env._(
                "in Xero, not in Odoo")
            return self.env._("Payment %(payment)s of %(amount)s %(where)s.", payment=result.get("payment") or "",
                              amount=money(result.get("odoo_paid") or result.get("xero_paid")), where=where)
        if kind == "balance":
            return self.env._("Account %(code)s: %(odoo)s in Odoo, %(xero)s in Xero, on documents that otherwise "
                     "agree: a line is on another account on one side.", code=result.get("account_code"),
                     odoo=money(result.get("odoo_balance")), xero=money(result.get("xero_balance")))
        parts = []
        for difference in result.get("kinds") or [kind]:
            if difference == "status":
                parts.append(self.env._("status %(odoo)s in Odoo, %(xero)s in Xero",
                               odoo=status(result.get("odoo_status")), xero=status(result.get("xero_status"))))
            else:
                field = {"tax": "tax", "total": "total", "amount_due": "due", "paid": "paid"}[difference]
                labels = {"tax": self.env._("tax"), "total": self.env._("total"),
                          "amount_due": self.env._("amount due"), "paid": self.env._("amount paid")}
                label = labels[difference]
                parts.append(self.env._("%(what)s %(odoo)s in Odoo, %(xero)s in Xero", what=label,
                               odoo=money(result.get(f"odoo_{field}")), xero=money(result.get(f"xero_{field}"))))
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] + "."

    def action_open_record(self):
        """Open the Odoo document (or account) of this line."""
        self.ensure_one()
        record = self.move_id or self.account_id
        if not record:
            return False
        return {"type": "ir.actions.act_window", "res_model": record._name, "res_id": record.id,
                "view_mode": "form", "target": "current"}
