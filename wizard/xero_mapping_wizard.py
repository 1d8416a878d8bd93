"""Suggested mappings: one list of the Odoo accounts, taxes and bank
journals documents need that are not mapped to Xero yet, each with the Xero
account or tax rate suggested for it and why (``sync/mappings.py``).

The user accepts all the suggestions, ticks some, or picks another target
on any line, then saves: only those lines are mapped, and the connection's
chatter says what was mapped and why. Lines without a target are left as
they are. Xero administrators only: every method checks.
"""

from odoo import Command, api, fields, models

from ..sync import mappings
from ..sync.actions import check_manager


class XeroMappingWizard(models.TransientModel):
    _name = "xero.mapping.wizard"
    _description = "Xero: suggested mappings"
    _check_company_auto = True

    connection_id = fields.Many2one("xero.connection", required=True, readonly=True, ondelete="cascade",
                                    check_company=True)
    company_id = fields.Many2one(related="connection_id.company_id")
    line_ids = fields.One2many("xero.mapping.wizard.line", "wizard_id", "Suggestions")
    summary = fields.Char(compute="_compute_summary")

    @api.depends("line_ids.in_use", "line_ids.suggested_reason")
    def _compute_summary(self):
        for wizard in self:
            lines = wizard.line_ids
            suggested = lines.filtered(lambda line: line.suggested_account_id or line.suggested_tax_rate_id)
            wizard.summary = self.env._(
                "%(suggested)s suggestion(s) for %(count)s item(s); %(open)s in use without a suggestion.",
                suggested=len(suggested), count=len(lines),
                open=len(lines.filtered("in_use") - suggested)) if lines else self.env._(
                "Everything documents need is mapped to Xero.")

    @api.model
    def _xero_open(self, connection):
        """A new list of the suggestions of ``connection``, as an action (a dialog)."""
        lines = []
        for sequence, suggestion in enumerate(mappings.suggestions(connection)):
            target = suggestion.target
            values = {
                "sequence": sequence, "kind": suggestion.kind, "in_use": suggestion.in_use,
                "suggested_reason": suggestion.reason,
                f"{suggestion.kind}_id": suggestion.record.id,
            }
            if target is not None and target._name == "xero.tax.rate":
                values.update(suggested_tax_rate_id=target.id, xero_tax_rate_id=target.id)
            elif target is not None:
                values.update(suggested_account_id=target.id, xero_account_id=target.id)
            lines.append(Command.create(values))
        wizard = self.create({"connection_id": connection.id, "line_ids": lines})
        return {"type": "ir.actions.act_window", "name": self.env._("Suggested mappings"),
                "res_model": self._name, "res_id": wizard.id, "view_mode": "form", "target": "new",
                "context": {"dialog_size": "extra-large"},
                "views": [(self.env.ref("account_xero.xero_mapping_wizard_form").id, "form")]}

    def action_accept_all(self):
        """Map every line that has a target (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        self.line_ids.filtered(lambda line: line.xero_account_id or line.xero_tax_rate_id).accept = True
        return self._xero_save()

    def action_save(self):
        """Map the accepted lines (administrators)."""
        self.ensure_one()
        check_manager(self.env)
        return self._xero_save()

    def _xero_save(self):
        choices = [(line.kind, line._xero_record(), line.xero_tax_rate_id or line.xero_account_id, line.reason)
                   for line in self.line_ids if line.accept]
        count = mappings.save(self.connection_id, choices)
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "title": self.env._("Xero"), "type": "success" if count else "info",
            "message": self.env._("%(count)s mapping(s) saved.", count=count),
            "next": {"type": "ir.actions.act_window_close"}}}
