"""Local snapshots of Xero's invoices, bills and credit notes, for the
reconciliation report: data only. They are read and stored by
``sync/importers/documents.py`` inside the report's run."""

from odoo import fields, models


class XeroRemoteDocument(models.Model):
    """What Xero last said about one of its documents."""

    _name = "xero.remote.document"
    _description = "Xero Document Snapshot"
    _inherit = ["xero.company.mixin"]
    _order = "date desc, id desc"
    _rec_name = "number"

    xero_id = fields.Char("Xero ID", required=True)
    collection = fields.Selection([("Invoices", "Invoice or bill"), ("CreditNotes", "Credit note")],
                                  required=True)
    xero_type = fields.Char("Xero type")
    number = fields.Char()
    reference = fields.Char()
    contact_name = fields.Char("Contact")
    date = fields.Date(index=True)
    status = fields.Char()
    currency_code = fields.Char("Currency")
    currency_rate = fields.Float(digits=(16, 10))
    total = fields.Float()
    total_tax = fields.Float("Tax")
    amount_due = fields.Float("Amount due", help="AmountDue of an invoice, RemainingCredit of a credit note.")
    amount_paid = fields.Float("Amount paid", help="What the document's payments (refunds of a credit note) add up "
                               "to, in its currency; credit allocations are not payments.")
    payments = fields.Json(help="The document's payments as Xero lists them: [{PaymentID, Amount, Date}]. Empty "
                           "on copies read before payments were kept.")
    updated = fields.Datetime("Updated in Xero")
    balances = fields.Json(help="Net line amounts per account code, in the base currency, signed.")

    _sql_constraints = [
        ("xero_id_unique", "unique(connection_id, xero_id)", "This Xero document is already stored."),
    ]
