"""Dry run: what the next "Send data now" would do, without calling Xero.

Reads the rows due in the waiting queue and, for each document and purchase
order, runs the same decisions as the real send (scope, unchanged, mappings,
totals, removal, attachment checks) but writes nothing and makes no call.
Contacts not yet in Xero are listed as to be created. What only Xero can
tell is not previewed: an order's status changed in Xero since it was
sent, a currency not enabled there.
"""

import json
import math
from collections import Counter

from odoo import api, fields, models

from ..models.xero_queue import QUEUE_ACTIONS
from ..services.errors import XeroMappingError
from ..services.mappers import attachment as attachment_mapper
from ..services.mappers.invoice import kind_of
from ..sync.actions import check_user
from ..sync.exporters import purchase_order as po_exporter
from ..sync.exporters.document import make_resolver, plan_document
from ..sync.exporters.removal import plan_removal
from ..sync.registry import rank

OUTCOMES = [
    ("create", "Create in Xero"),
    ("update", "Update in Xero"),
    ("void", "Void in Xero"),
    ("delete", "Delete in Xero"),
    ("attach", "Attach files"),
    ("contact", "Create contact"),
    ("replay", "Resend unanswered request"),
    ("other", "Send"),
    ("wait", "Wait"),
    ("skip", "Skip"),
    ("fail", "Refuse"),
]


class XeroDryRun(models.TransientModel):
    _name = "xero.dry.run"
    _description = "Xero: preview of the next send"

    connection_id = fields.Many2one("xero.connection", required=True, readonly=True)
    line_ids = fields.One2many("xero.dry.run.line", "wizard_id", readonly=True)
    summary = fields.Text(readonly=True)
    estimated_calls = fields.Integer("API calls (estimate)", readonly=True)

    @api.model
    def _xero_preview(self, connection):
        """A new dry run of ``connection`` (see the module doc)."""
        Queue = self.env["xero.queue"].sudo()
        now = fields.Datetime.now()
        rows = Queue.search([
            ("connection_id", "=", connection.id), "|", ("state", "=", "sending"),
            "&", ("state", "=", "waiting"), "|", ("next_attempt", "=", False), ("next_attempt", "<=", now)])
        rows = rows.sorted(lambda r: (rank(r.res_model, r.action), r.id))
        Move = self.env["account.move"].sudo().with_company(connection.company_id)
        resolver = make_resolver(Move.env, connection)
        binder = self.env["xero.binder"]
        po_resolver = po_exporter.make_purchase_resolver(Move.env, connection)
        lines, calls = [], Counter()
        new_contacts = {}
        for row in rows:
            vals = {"res_model": row.res_model, "res_id": row.res_id, "record_name": row.record_name,
                    "action": row.action}
            if row.state == "sending":
                vals.update(outcome="replay", message=self.env._(
                    "Sent before without an answer: the very same request is sent again, which Xero answers "
                    "without creating anything twice."))
                calls[("replay", row.idempotency_key)] = 1
            elif row.res_model == "purchase.order" and row.purchase_id:
                try:
                    vals.update(self._xero_preview_order(connection, row, po_resolver, binder, new_contacts, calls))
                except XeroMappingError as exc:
                    vals.update(outcome="fail", message=exc.message)
            elif row.res_model != "account.move":
                vals.update(outcome="other", message=dict(QUEUE_ACTIONS).get(row.action))
                calls[(row.res_model, row.action)] += 1
            elif not row.move_id:
                vals.update(outcome=row.action if row.action in ("void", "delete") else "skip", message=self.env._(
                    "Deleted in Odoo: its copy in Xero is removed."))
                calls[("removal", row.action)] += 1
            else:
                move = row.move_id.with_env(Move.env)
                try:
                    vals.update(self._xero_preview_move(connection, row, move, resolver, binder, new_contacts,
                                                        calls))
                except XeroMappingError as exc:
                    vals.update(outcome="fail", message=exc.message)
            lines.append(vals)
        for partner in new_contacts.values():
            lines.insert(0, {"res_model": "res.partner", "res_id": partner.id, "record_name": partner.display_name,
                             "action": "contact", "outcome": "contact",
                             "message": self.env._("Not in Xero yet: created or linked before its documents.")})
        estimate = math.ceil(len(new_contacts) / 50) + sum(
            n if key[0] == "file" else (1 if key[0] == "replay" else math.ceil(n / 50)) for key, n in calls.items())
        counts = Counter(vals["outcome"] for vals in lines)
        labels = dict(OUTCOMES)
        summary = ", ".join(f"{labels[k]}: {n}" for k, n in counts.items()) or self.env._("Nothing is due.")
        return self.create({
            "connection_id": connection.id,
            "summary": summary,
            "estimated_calls": estimate,
            "line_ids": [fields.Command.create(vals) for vals in lines],
        })

    @api.model
    def _xero_preview_move(self, connection, row, move, resolver, binder, new_contacts, calls):
        """The preview line values of one document row (see the module doc)."""
        preview = {
            "upsert": self._xero_preview_upsert,
            "void": self._xero_preview_removal,
            "delete": self._xero_preview_removal,
            "attachments": self._xero_preview_files,
        }.get(row.action)
        if not preview:
            return {"outcome": "other", "message": dict(QUEUE_ACTIONS).get(row.action)}
        return preview(connection, move, resolver, binder, new_contacts, calls)

    @api.model
    def _xero_preview_upsert(self, connection, move, resolver, binder, new_contacts, calls):
        kind = kind_of(move)
        partner = move.commercial_partner_id
        contact_id = binder._to_xero(partner, connection.company_id)
        if not contact_id and not move._xero_skip_reason(connection):
            new_contacts[partner.id] = partner
            contact_id = "(new contact)"
        outcome, message, element = plan_document(move, connection, resolver, contact_id)
        if outcome == "skip":
            return {"outcome": "skip", "message": message}
        calls[(kind.collection, outcome)] += 1
        return {"outcome": outcome, "payload": json.dumps(element, indent=1),
                "message": self.env._("%(type)s %(number)s, total %(total)s %(currency)s", type=element["Type"],
                             number=element.get(kind.number_field), total=element["Total"],
                             currency=element["CurrencyCode"])}

    @api.model
    def _xero_preview_removal(self, connection, move, resolver, binder, new_contacts, calls):
        outcome, message, status = plan_removal(move, connection)
        if outcome != "send":
            return {"outcome": outcome, "message": message}
        calls[(kind_of(move).collection, "removal")] += 1
        return {"outcome": "delete" if status == "DELETED" else "void", "message": False}

    @api.model
    def _xero_preview_order(self, connection, row, resolver, binder, new_contacts, calls):
        """The preview line values of one purchase order row."""
        order = row.purchase_id.with_company(connection.company_id)
        if row.action == "attachments":
            return self._xero_preview_files(connection, order, resolver, binder, new_contacts, calls)
        if row.action == "delete":
            outcome, message = po_exporter.plan_removal(order)
            calls[("PurchaseOrders", "removal")] += outcome == "send"
            return {"outcome": "delete" if outcome == "send" else outcome, "message": message}
        if row.action != "upsert":
            calls[(row.res_model, row.action)] += 1
            return {"outcome": "other", "message": dict(QUEUE_ACTIONS).get(row.action)}
        partner = order.partner_id.commercial_partner_id
        contact_id = binder._to_xero(partner, connection.company_id)
        if not contact_id and not order._xero_skip_reason(connection):
            new_contacts[partner.id] = partner
            contact_id = "(new contact)"
        outcome, message, element = po_exporter.plan_purchase_order(order, connection, resolver, contact_id)
        if outcome == "skip":
            return {"outcome": "skip", "message": message}
        calls[("PurchaseOrders", outcome)] += 1
        return {"outcome": outcome, "payload": json.dumps(element, indent=1), "message": self.env._(
            "Purchase order %(number)s (%(status)s), total %(total)s %(currency)s", number=element[
                "PurchaseOrderNumber"], status=element["Status"], total=element["Total"],
            currency=element["CurrencyCode"])}

    @api.model
    def _xero_preview_files(self, connection, move, resolver, binder, new_contacts, calls):
        if not move._xero_live_id():
            return {"outcome": "wait", "message": self.env._("Waits until the document itself is in Xero.")}
        files = move._xero_attachments()
        sent = self.env["xero.attachment.binding"]._xero_sent(connection, move, files)
        to_send, skipped = attachment_mapper.plan(files, sent, self.env)
        calls[("file", move._name, move.id)] += len(to_send)
        message = ", ".join(name for _att, name in to_send) or self.env._("No new file.")
        if skipped:
            message += " — " + self.env._("skipped: ") + " ".join(reason for _att, reason in skipped)
        return {"outcome": "attach" if to_send else "skip", "message": message}

    def action_send_now(self):
        """Send for real after looking at the preview (Xero users)."""
        self.ensure_one()
        check_user(self.env)
        return self.connection_id.action_send_now()

