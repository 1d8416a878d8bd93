from odoo import fields, models

XERO_STATES = [
    ("none", "Not for Xero"),
    ("waiting", "Waiting to be sent"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]


class AccountMove(models.Model):
    _inherit = "account.move"
    _xero_id_field = "xero_id"

    xero_id = fields.Char(
        "Xero ID", copy=False, index="btree_not_null", readonly=True,
        help="InvoiceID (invoices and bills) or CreditNoteID (credit notes) in Xero.",
    )
    xero_state = fields.Selection(XERO_STATES, "Xero status", default="none", copy=False, readonly=True)
    xero_hash = fields.Char("Last sent hash", copy=False, readonly=True)
    xero_sent_date = fields.Datetime("Sent to Xero on", copy=False, readonly=True)
    xero_message = fields.Char("Xero message", copy=False, readonly=True)
