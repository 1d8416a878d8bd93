"""The queue handler of invoices, bills and credit notes: ``_xero_process_queue``.

For one batch of queue rows of one action:

* ``upsert`` — contacts first (created or linked in batches by
  ``res.partner._xero_ensure_contacts``), then one request per collection and
  kind of call: new documents by ``PUT`` (create only, so a sales number
  already used in Xero is refused instead of overwriting someone else's
  document), documents already in Xero by ``POST`` with their id;
* ``void`` / ``delete`` — one ``POST`` per collection with ``Status``
  VOIDED (approved documents) or DELETED (drafts), decided from the status
  Xero last gave;
* ``attachments`` — one call per file (Xero takes files one by one), in
  ``account_move_xero_attachments.py``.

Each outcome goes to the queue row, the sync log and the document's chatter.
"""

import json
import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from markupsafe import Markup

from odoo import api, fields, models

from ..services.errors import XeroMappingError
from ..services.mappers.invoice import KINDS, Options, Resolver, build_document, kind_of, status_element
from .account_move_xero import GONE

STATUS_ORDER = {"DRAFT": 0, "SUBMITTED": 1, "AUTHORISED": 2}
#: writing what Xero answered on a posted document is bookkeeping of ours:
#: no line synchronisation, balance check, "manually modified" flag or requeue
XERO_WRITE_CONTEXT = {"skip_invoice_sync": True, "check_move_validity": False,
                      "skip_is_manually_modified": True, "xero_no_queue": True, "mail_notrack": True}
LOOKUP_CHUNK = 25
#: an action waiting for its document's own request to finish looks again after this
WAIT_FOR_DOCUMENT = timedelta(minutes=10)


def _quote(text):
    """A string inside a Xero ``where`` clause."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _kind_for_collection(collection):
    return next(kind for kind in KINDS.values() if kind.collection == collection)


class AccountMoveXeroSend(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------ dispatch
    @api.model
    def _xero_process_queue(self, connection, rows, run, client):
        """Queue handler (see the module doc); the engine gives one action at a time."""
        for action, action_rows in rows.grouped("action").items():
            if action == "upsert":
                self._xero_send_documents(connection, action_rows, run, client)
            elif action in ("void", "delete"):
                self._xero_send_removals(connection, action_rows, run, client)
            elif action == "attachments":
                self._xero_send_attachments(connection, action_rows, run, client)
            else:
                action_rows._xero_skip(run, "invoice", self.env._("Unknown action %(action)s for a document.",
                                                         action=action))

    # ------------------------------------------------------------ mapping
    @api.model
    def _xero_resolver(self, connection):
        """A :class:`Resolver` over the mappings of ``connection``, caching what it found."""
        Account = self.env["xero.account"]
        TaxRate = self.env["xero.tax.rate"]
        Tracking = self.env["xero.tracking.category"]
        cache = {}

        def cached(key, compute):
            if key not in cache:
                cache[key] = compute()
            return cache[key]

        def tax_rate(tax_type):
            def compute():
                rate = TaxRate.sudo().search([("connection_id", "=", connection.id), ("tax_type", "=", tax_type)],
                                             limit=1)
                if not rate:
                    if tax_type == "NONE":
                        return Decimal(0)
                    raise XeroMappingError(self.env._(
                        "The Xero tax rate %(type)s has not been imported: import the tax rates from the "
                        "Xero connection.", type=tax_type))
                return Decimal(str(rate.rate))
            return cached(("rate", tax_type), compute)

        return Resolver(
            account_code=lambda account: cached(
                ("account", account.id), lambda: Account._xero_code_for(connection, account)),
            tax_type=lambda taxes: cached(
                ("tax", tuple(sorted(taxes.ids))), lambda: TaxRate._xero_tax_type_for(connection, taxes)),
            tax_rate=tax_rate,
            tracking=lambda distribution: cached(
                ("tracking", json.dumps(distribution, sort_keys=True)),
                lambda: Tracking._xero_tracking_for(connection, distribution)),
        )

    def _xero_target_status(self, connection):
        """The connection's status setting, never below what Xero already has
        (an approved document cannot go back to draft)."""
        wanted = connection.invoice_status or "AUTHORISED"
        current = self.xero_remote_status if self._xero_live_id() else None
        if current in STATUS_ORDER and STATUS_ORDER[current] > STATUS_ORDER.get(wanted, 2):
            return current
        return wanted

    def _xero_plan_document(self, connection, resolver, contact_id, source_hash=None):
        """What sending this document would do, without writing anything.

        Returns ``(outcome, message, element)``: outcome ``skip`` (message
        says why), ``create`` or ``update`` (with the element). Raises
        :class:`XeroMappingError` when the document cannot be sent as is."""
        self.ensure_one()
        reason = self._xero_skip_reason(connection)
        if reason:
            return "skip", reason, None
        source_hash = source_hash or self._xero_source_hash()
        if self._xero_is_unchanged(source_hash):
            return "skip", self.env._("Unchanged since it was sent to Xero on %(date)s: nothing to send.",
                             date=self.xero_sent_date or "?"), None
        if self.xero_remote_status == "PAID" and self._xero_live_id():
            raise XeroMappingError(self.env._(
                "%(doc)s is paid in Xero, which no longer accepts changes to it: remove its payments in "
                "Xero first, then retry.", doc=self.display_name))
        if not contact_id:
            raise XeroMappingError(self.env._(
                "The contact %(partner)s is not in Xero yet and could not be created.",
                partner=self.commercial_partner_id.display_name))

        def rounding_code():
            account = connection.rounding_account_id
            return resolver.account_code(account) if account else None

        live_id = self._xero_live_id()
        element = build_document(self, resolver, Options(
            contact_id=contact_id, status=self._xero_target_status(connection), rounding_code=rounding_code,
            url=self._xero_url(), xero_id=live_id))
        return ("update" if live_id else "create"), None, element

    # ------------------------------------------------------------ upsert
    @api.model
    def _xero_send_documents(self, connection, rows, run, client):
        """Create or update the documents of ``rows`` in Xero (see the module doc)."""
        notes = {}
        try:
            fresh_moves = rows.filtered(lambda r: r.state == "waiting").move_id
            partners = fresh_moves.filtered(lambda m: not m._xero_skip_reason(connection)).commercial_partner_id
            contact_errors = {}
            if partners:
                contact_errors = self.env["res.partner"]._xero_ensure_contacts(connection, partners, run, client) or {}
            resolver = self._xero_resolver(connection)
            groups = defaultdict(lambda: self.env["xero.queue"])
            for row in rows:
                kind = kind_of(row.move_id)
                if row.state == "sending" and row.payload:
                    update = kind.id_field in json.loads(row.payload)
                else:
                    update = bool(row.move_id._xero_live_id())
                groups[(kind.collection, update)] |= row
            for (collection, update), group in groups.items():
                kind = _kind_for_collection(collection)
                group._xero_send_batch(
                    connection, client, run, kind.update_method if update else kind.create_method, collection,
                    build=lambda row: self._xero_build_row(connection, row, run, resolver, contact_errors),
                    on_success=None,
                    on_success_many=lambda accepted: self._xero_documents_sent(connection, accepted, run, notes),
                    xero_object=kind.xero_object, extra_kwargs={"unitdp": 4},
                    lookup=lambda stale, c=collection: self._xero_lookup_documents(connection, client, stale, c),
                    explain=self._xero_explain)
            with_files = rows.filtered(lambda r: r.state == "sent").move_id._xero_with_attachments()
            if with_files:
                with_files._xero_queue_attachments(only_when_enabled=True)
        finally:
            self._xero_log_outcomes(rows, notes)

    def _xero_build_row(self, connection, row, run, resolver, contact_errors):
        """``build`` callback of the protocol for one upsert row."""
        move = row.move_id
        kind = kind_of(move)
        partner = move.commercial_partner_id
        if partner.id in contact_errors:
            raise XeroMappingError(contact_errors[partner.id])  # already says which contact and why
        source_hash = move._xero_source_hash()
        contact_id = self.env["xero.binder"].to_xero(partner, connection.company_id)
        outcome, message, element = move._xero_plan_document(connection, resolver, contact_id, source_hash)
        if outcome == "skip":
            row._xero_skip(run, kind.xero_object, message)
            return None
        if row.payload_hash != source_hash:
            row.payload_hash = source_hash
        return element

    def _xero_lookup_documents(self, connection, client, rows, collection):
        """Find in Xero the documents of requests sent more than 23 hours ago
        whose answer never came (their Idempotency-Key may have expired).

        Candidates are fetched by number (unique for sales documents); a
        candidate is this document only when its ``Url`` is this document's
        link to Odoo, or — for a sales document whose answer has no ``Url`` —
        when contact and total match too. Returns ``{row.id: element}``."""
        kind = _kind_for_collection(collection)
        payloads = {row.id: json.loads(row.payload) for row in rows}
        numbers = sorted({p.get(kind.number_field) for p in payloads.values() if p.get(kind.number_field)})
        candidates = []
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start:start + LOOKUP_CHUNK]
            if collection == "Invoices":
                resp = client.accounting("get_invoices", invoice_numbers=chunk)
            else:
                where = " OR ".join(f'CreditNoteNumber=="{_quote(n)}"' for n in chunk)
                resp = client.accounting("get_credit_notes", where=where)
            candidates += resp.data.get(collection) or []
        found = {}
        for row in rows:
            sent = payloads[row.id]
            for cand in candidates:
                if cand.get("Type") != sent.get("Type") or cand.get(kind.number_field) != sent.get(kind.number_field) \
                        or cand.get("Status") in GONE:
                    continue
                if cand.get("Url"):
                    match = cand["Url"] == sent.get("Url")
                else:
                    match = kind.unique_number and \
                        (cand.get("Contact") or {}).get("ContactID") == sent["Contact"].get("ContactID") and \
                        round(float(cand.get("Total") or 0), 2) == round(float(sent.get("Total") or 0), 2)
                if match:
                    found[row.id] = cand
                    break
        return found

    # ------------------------------------------------------------ void / delete
    def _xero_plan_removal(self, connection):
        """``(outcome, message, status)`` of removing this cancelled document
        from Xero: ``skip``, ``wait`` (its own request is in flight) or
        ``send`` with ``VOIDED``/``DELETED``. Raises for a paid document."""
        self.ensure_one()
        if self.state == "posted":
            return "skip", self.env._("Posted again in Odoo: it stays in Xero and is updated instead."), None
        if not self._xero_live_id():
            in_flight = self.xero_queue_ids.filtered(lambda r: r.action == "upsert" and r.state == "sending")
            if in_flight:
                return "wait", self.env._("Waits for the document's own request to Xero to finish."), None
            if self.xero_remote_status in GONE:
                return "skip", self.env._("Already %(status)s in Xero.", status=self.xero_remote_status.lower()), None
            return "skip", self.env._("Never reached Xero: nothing to remove there."), None
        if self.xero_remote_status == "PAID":
            raise XeroMappingError(self.env._(
                "%(doc)s is paid in Xero, so Xero cannot void it: remove its payments in Xero first, then "
                "retry.", doc=self.display_name))
        status = "DELETED" if self.xero_remote_status in ("DRAFT", "SUBMITTED") else "VOIDED"
        return "send", None, status

    @api.model
    def _xero_send_removals(self, connection, rows, run, client):
        """Void or delete in Xero the cancelled documents of ``rows``."""
        notes = {}
        try:
            groups = defaultdict(lambda: self.env["xero.queue"])
            for row in rows:
                groups[kind_of(row.move_id).collection] |= row
            for collection, group in groups.items():
                kind = _kind_for_collection(collection)
                group._xero_send_batch(
                    connection, client, run, kind.update_method, collection,
                    build=lambda row: self._xero_build_removal(connection, row, run),
                    on_success=lambda row, element: self._xero_removal_done(row, element, run, notes),
                    xero_object=kind.xero_object, explain=self._xero_explain)
        finally:
            self._xero_log_outcomes(rows, notes)

    def _xero_build_removal(self, connection, row, run):
        move = row.move_id
        kind = kind_of(move)
        outcome, message, status = move._xero_plan_removal(connection)
        if outcome == "skip":
            row._xero_skip(run, kind.xero_object, message)
            return None
        if outcome == "wait":
            row.write({"next_attempt": fields.Datetime.now() + WAIT_FOR_DOCUMENT, "message": message})
            return None
        return status_element(kind, move.xero_id, status)

    def _xero_removal_done(self, row, element, run, notes):
        move = row.move_id.with_context(**XERO_WRITE_CONTEXT)
        kind = kind_of(move)
        status = element.get("Status") or ""
        move._xero_store_remote(element)
        move.sudo().write({"xero_hash": False})
        message = self.env._("%(status)s in Xero.", status=status.capitalize())
        row._xero_succeed(run, kind.xero_object, xero_id=move.xero_id, message=message)
        notes[move.id] = message

    # ------------------------------------------------------------ messages
    @api.model
    def _xero_explain(self, row, messages):
        """Xero's validation messages, said so a bookkeeper knows what to do."""
        move = row.move_id
        explained = []
        for text in messages:
            explained.append(self._xero_explain_one(move, text))
        return " ".join(dict.fromkeys(explained))

    def _xero_explain_one(self, move, text):
        """One message of Xero, said for a bookkeeper (Xero's words when it is not a known case)."""
        for pattern, explain in self._xero_known_refusals():
            match = re.search(pattern, text, re.IGNORECASE)
            if match:
                return explain(move, match)
        return self.env._("Xero refused it: %(error)s", error=text)

    def _xero_known_refusals(self):
        """``(regex, explain(move, match))`` for the refusals a bookkeeper can fix."""
        menu = "Accounting ▸ Configuration ▸ Xero ▸ Mappings"
        return [
            (r"must be unique", lambda move, m: self.env._(
                "Xero already has a document numbered %(number)s that was not sent from this one. Give one of "
                "them another number (in Xero, or by resequencing in Odoo), then retry.", number=move.name)),
            (r"account code '([^']*)' is not a valid code", lambda move, m: self.env._(
                "Xero does not accept the account code %(code)s on this document (unknown, archived, bank or "
                "system account in Xero): map the Odoo account to another Xero account in %(menu)s, then retry.",
                code=m.group(1), menu=menu)),
            (r"taxtype code '([^']*)'", lambda move, m: self.env._(
                "Xero does not accept the tax rate %(type)s here (it does not exist, is deleted, or does not suit "
                "the account): correct the tax mapping in %(menu)s, then retry.", type=m.group(1), menu=menu)),
            (r"not subscribed to currency (\w+)", lambda move, m: self.env._(
                "The currency %(currency)s is not enabled in your Xero organisation: add it in Xero "
                "(Settings ▸ Currencies), then retry.", currency=m.group(1))),
            (r"contact .* is archived|archived contact", lambda move, m: self.env._(
                "The Xero contact of %(partner)s is archived: restore it in Xero (Contacts ▸ Archived), then "
                "retry.", partner=move.commercial_partner_id.display_name)),
            (r"payments allocated|payment or credit note allocated", lambda move, m: self.env._(
                "%(doc)s has payments or credit notes allocated in Xero, so Xero refuses to change or void it: "
                "remove them in Xero first, then retry.", doc=move.display_name)),
            (r"not of valid status for modification", lambda move, m: self.env._(
                "Xero no longer accepts changes to %(doc)s (status %(status)s there).",
                doc=move.display_name, status=move.xero_remote_status or "?")),
            (r"tracking", lambda move, m: self.env._(
                "Xero refused the tracking of a line: %(error)s Check the tracking mappings in %(menu)s.",
                error=m.string, menu=menu)),
        ]

    @api.model
    def _xero_log_outcomes(self, rows, notes, attachments=False):
        """One chatter note per document whose row got an outcome in this batch."""
        bodies = {}
        for row in rows.exists():
            move = row.move_id
            if not move:
                continue
            text = notes.get(move.id) or row.message or ""
            if row.state == "sent" and attachments:
                body = self.env._("Files sent to Xero: %(text)s", text=text)
            elif row.state == "sent":
                body = self.env._("Sent to Xero: %(text)s", text=text)
            elif row.state == "failed" and attachments:
                body = self.env._("Xero refused the files: %(text)s", text=text)
            elif row.state in ("failed", "skipped"):
                body = self.env._("Not sent to Xero: %(text)s", text=row.message or "")
            else:
                continue
            bodies[move.id] = Markup("<p>%s</p>") % body
        if bodies:
            moves = self.env["account.move"].browse(list(bodies))
            moves._message_log_batch(bodies=bodies)
