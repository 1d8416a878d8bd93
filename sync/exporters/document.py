"""Invoices, bills and credit notes → Xero (queue action ``upsert``).

* prepare — before a run's first batch, the contacts of every document it
  will send that are not in Xero yet are created (or linked) in full
  requests of 50, instead of a few with every batch;
* build — new documents by ``PUT`` (create only: a sales number already used
  in Xero is refused instead of overwriting someone else's document),
  documents already in Xero by ``POST`` with their id; a document out of
  scope or unchanged since it was sent is skipped with its reason;
* bind — ids through the binder, what was sent and what Xero answered in one
  statement per answer; then the files of documents that have some;
* lookup — a request whose key Xero forgot: candidates by number, matched
  on the ``Url`` back to Odoo (or contact and total when Xero gives none).
"""

from decimal import Decimal

from odoo import fields
from odoo.tools import SQL, split_every

from ...services.api.accounting import DOCUMENTS
from ...services.errors import XeroMappingError
from ...services.mappers.invoice import Options, Resolver, build_document, kind_of
from ..exporter import Exporter
from ..run import ROW_FIELDS, warm
from .document_notes import explain_refusals, log_outcomes

#: Xero statuses of a document that is no longer live there
GONE = ("VOIDED", "DELETED")
STATUS_ORDER = {"DRAFT": 0, "SUBMITTED": 1, "AUTHORISED": 2}
#: documents looked at at once when collecting a run's contacts
PREPARE_CHUNK = 1000
#: what building a document reads of it and of its lines (fetched for a batch at once)
MOVE_FIELDS = ["move_type", "state", "name", "ref", "date", "invoice_date", "invoice_date_due", "partner_id",
               "commercial_partner_id", "company_id", "currency_id", "amount_total", "amount_tax",
               "invoice_currency_rate", "payment_state", "line_ids", "xero_id", "xero_hash", "xero_sent_date",
               "xero_remote_status"]
LINE_FIELDS = ["move_id", "sequence", "display_type", "name", "product_id", "account_id", "quantity", "price_unit",
               "discount", "tax_ids", "analytic_distribution", "price_subtotal", "price_total", "amount_currency",
               "tax_repartition_line_id"]
#: what deciding whether a document is sent reads of it, and its contact
SKIP_FIELDS = ["move_type", "state", "date", "invoice_date", "xero_id", "xero_remote_status", "commercial_partner_id"]
#: what sending documents reads of the connection
CONNECTION_FIELDS = ["company_id", "import_start_date", "invoice_status", "rounding_account_id", "push_contacts",
                     "send_invoices", "send_bills", "send_credit_notes"]
#: what binding an answer and noting its outcome read of a document (after a commit)
BIND_FIELDS = ["move_type", "name", "state", "payment_state", "xero_remote_status"]
#: this addon's own columns on account_move written when a document is sent
SENT_FIELDS = ("xero_hash", "xero_sent_date", "xero_remote_status", "xero_remote_due", "xero_remote_checked")


def make_resolver(env, connection):
    """A :class:`Resolver` over the mappings of ``connection``, caching what it found."""
    Account = env["xero.account"]
    TaxRate = env["xero.tax.rate"]
    Tracking = env["xero.tracking.category"]
    cache = {}

    def cached(key, compute):
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def tax_rate(tax_type):
        def compute():
            rate = TaxRate.sudo().search([("connection_id", "=", connection.id), ("tax_type", "=", tax_type)], limit=1)
            if not rate:
                if tax_type == "NONE":
                    return Decimal(0)
                raise XeroMappingError(env._(
                    "The Xero tax rate %(type)s has not been imported: import the tax rates from the Xero "
                    "connection.", type=tax_type))
            return Decimal(str(rate.rate))
        return cached(("rate", tax_type), compute)

    return Resolver(
        account_code=lambda account: cached(("account", account.id),
                                            lambda: Account._xero_code_for(connection, account)),
        tax_type=lambda taxes: cached(("tax", tuple(sorted(taxes.ids))),
                                      lambda: TaxRate._xero_tax_type_for(connection, taxes)),
        tax_rate=tax_rate,
        tracking=lambda distribution: cached(("tracking", tuple(sorted(distribution.items()))),
                                             lambda: Tracking._xero_tracking_for(connection, distribution)),
    )


def target_status(move, connection):
    """The connection's status setting, never below what Xero already has
    (an approved document cannot go back to draft)."""
    wanted = connection.invoice_status or "AUTHORISED"
    current = move.xero_remote_status if move._xero_live_id() else None
    if current in STATUS_ORDER and STATUS_ORDER[current] > STATUS_ORDER.get(wanted, 2):
        return current
    return wanted


def plan_document(move, connection, resolver, contact_id, source_hash=None):
    """What sending ``move`` would do, without writing anything.

    Returns ``(outcome, message, element)``: outcome ``skip`` (message says
    why), ``create`` or ``update`` (with the element). Raises
    :class:`XeroMappingError` when the document cannot be sent as is."""
    env = move.env
    reason = move._xero_skip_reason(connection)
    if reason:
        return "skip", reason, None
    source_hash = source_hash or move._xero_source_hash()
    if move._xero_is_unchanged(source_hash):
        return "skip", env._("Unchanged since it was sent to Xero on %(date)s: nothing to send.",
                             date=move.xero_sent_date or "?"), None
    live_id = move._xero_live_id()
    if move.xero_remote_status == "PAID" and live_id:
        raise XeroMappingError(env._(
            "%(doc)s is paid in Xero, which no longer accepts changes to it: remove its payments in Xero "
            "first, then retry.", doc=move.display_name))
    if not contact_id:
        raise XeroMappingError(env._("The contact %(partner)s is not in Xero yet and could not be created.",
                                     partner=move.commercial_partner_id.display_name))

    def rounding_code():
        account = connection.rounding_account_id
        return resolver.account_code(account) if account else None

    element = build_document(move, resolver, Options(
        contact_id=contact_id, status=target_status(move, connection), rounding_code=rounding_code,
        url=move._xero_url(), xero_id=live_id, orders=move._xero_orders()))
    return ("update" if live_id else "create"), None, element


class DocumentExporter(Exporter):
    name = "document"
    model = "account.move"
    actions = ("upsert",)
    xero_object = "invoice"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.resolver = make_resolver(self.env, self.connection)
        self.contact_errors = {}
        self.contact_ids = {}
        self.notes = {}

    def object_of(self, row):
        return kind_of(row.move_id).xero_object

    # ------------------------------------------------------------ steps
    def prepare(self, limit):
        """Make available in Xero the contacts of the documents this run will send.

        Looks at the first ``limit`` due rows (what the run can get to);
        skips rows in flight (their request is replayed as it was),
        documents that are not sent at all and partners already bound. A
        contact Xero refuses is not an error here: each batch asks again,
        gets the refusal without a call, and fails only that contact's
        documents, with its message."""
        partner_ids = set()
        for chunk in split_every(PREPARE_CHUNK, self.due_rows("upsert", limit)):
            rows = self.env["xero.queue"].sudo().browse(chunk)
            rows.fetch(["move_id"])
            rows.move_id.fetch(SKIP_FIELDS)  # what the skip reason reads, not every field of a document
            warm(self.connection, CONNECTION_FIELDS)
            partner_ids.update(rows.move_id.filtered(lambda m: not m._xero_skip_reason(self.connection))
                               .commercial_partner_id.ids)
            # only the partner ids are kept: a run of 10,000 documents never holds them all
            self.env.invalidate_all()
        partners = self.env["res.partner"].sudo().with_company(self.company).browse(sorted(partner_ids))
        partners.fetch([self.binder._field("res.partner"), "xero_contact_hash"])
        partners = partners.filtered(lambda p: not p.xero_contact_id or p.xero_contact_hash)  # new or changed
        if partners:
            self._contacts().ensure(partners)

    def _contacts(self):
        from .contact import ContactExporter
        return ContactExporter(self.ctx)

    def dependencies(self, rows):
        """The batch's contacts in Xero; first, what building the batch reads
        of its documents and their lines, in two queries (only those fields:
        a document has a hundred more)."""
        rows.move_id.fetch(MOVE_FIELDS)
        rows.move_id.line_ids.fetch(LINE_FIELDS)
        # and what the skip reasons, the mapper and the hash read of the records around them
        warm(self.connection, CONNECTION_FIELDS)
        warm(rows.move_id.company_id, ["account_price_include", "currency_id"])
        warm(rows.move_id.currency_id, ["name"])
        warm(rows.move_id.line_ids.tax_ids, ["price_include_override", "price_include", "amount_type", "company_id"])
        moves = rows.move_id.filtered(lambda m: not m._xero_skip_reason(self.connection))
        if moves.commercial_partner_id:
            self.contact_errors = self._contacts().ensure(moves.commercial_partner_id)
        # the batch's ContactIDs, read once for the batch (after the contacts it needed were made)
        partners = self.binder._scoped("res.partner", self.company).browse(moves.commercial_partner_id.ids)
        field = self.binder._field("res.partner")
        self.contact_ids = {partner.id: partner[field] for partner in partners}
        return {}

    def build(self, row):
        move = row.move_id
        partner = move.commercial_partner_id
        if partner.id in self.contact_errors:
            raise XeroMappingError(self.contact_errors[partner.id])  # already says which contact and why
        source_hash = move._xero_source_hash()
        contact_id = self.contact_ids.get(partner.id) or self.binder._to_xero(partner, self.company)
        outcome, message, element = plan_document(move, self.connection, self.resolver, contact_id, source_hash)
        if outcome == "skip":
            row._xero_skip(self.run, self.object_of(row), message)
            return None
        if row.payload_hash != source_hash:
            row.payload_hash = source_hash
        return kind_of(move).operation(outcome), element

    def legacy_operation(self, rows, elements):
        kind = kind_of(rows[0].move_id)
        return kind.operation("update" if kind.id_field in elements[0] else "create")

    def bind(self, pairs):
        """Bind and record the documents Xero accepted in one answer.

        The Xero ids go through the binder; the other columns are this
        addon's own bookkeeping (version sent, sent date, Xero's status and
        amount due), written in one statement per answer — an
        ``account.move`` write per document runs accounting checks that cost
        milliseconds each and have nothing to check here. A document Xero
        reports voided or deleted goes through ``_xero_store_remote`` first,
        which tells its followers."""
        now = fields.Datetime.now()
        xero_ids, values, outcomes = {}, [], {}
        rows = self.env["xero.queue"].sudo().browse([row.id for row, _element in pairs])
        warm(rows, ROW_FIELDS)
        warm(rows.move_id, BIND_FIELDS)
        for row, element in pairs:
            move = row.move_id
            kind = kind_of(move)
            xero_id = element.get(kind.id_field)
            status = (element.get("Status") or "").upper() or None
            if status in GONE:
                move._xero_store_remote(element)
            due = element.get("AmountDue") if "AmountDue" in element else element.get("RemainingCredit")
            xero_ids[move.id] = xero_id
            values.append(SQL("(%s, %s, %s, %s::numeric)", move.id, row.payload_hash, status, due or 0))
            message = self.env._("In Xero as %(type)s %(number)s (%(status)s).", type=kind.xero_type,
                                 number=element.get(kind.number_field) or move.name, status=status or "")
            outcomes.setdefault(kind.xero_object, []).append((row, xero_id, message))
            self.notes[move.id] = message
        moves = self.env["account.move"].browse(list(xero_ids))
        moves.flush_recordset(list(SENT_FIELDS))
        self.env.cr.execute(SQL(
            "UPDATE account_move AS m SET xero_hash = v.hash, xero_sent_date = %s, xero_remote_status = v.status, "
            "xero_remote_due = v.due, xero_remote_checked = %s FROM (VALUES %s) AS v(id, hash, status, due) "
            "WHERE m.id = v.id", now, now, SQL(", ").join(values)))
        moves.invalidate_recordset(list(SENT_FIELDS))
        moves.modified(list(SENT_FIELDS))
        self.binder._bind_many("account.move", xero_ids, self.company)
        for xero_object, done in outcomes.items():
            self.env["xero.queue"]._xero_succeed_many(self.run, xero_object, done)

    def explain(self, row, messages):
        return explain_refusals(row.move_id, messages)

    def lookup(self, request, pairs):
        """Find in Xero the documents of a request whose key Xero may have forgotten.

        Candidates are fetched by number (unique for sales documents); a
        candidate is this document only when its ``Url`` is this document's
        link to Odoo, or — for a sales document whose answer has no ``Url`` —
        when contact and total match too."""
        kind = kind_of(pairs[0][0].move_id)
        coll = DOCUMENTS[kind.collection]
        numbers = [sent.get(coll.number_field) for _row, sent in pairs if sent.get(coll.number_field)]
        candidates = self.api.documents_by_numbers(kind.collection, numbers)
        found = {}
        for row, sent in pairs:
            for cand in candidates:
                if cand.get("Type") != sent.get("Type") or cand.get(coll.number_field) != sent.get(coll.number_field) \
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

    def finish(self, rows):
        rows = rows.exists()
        warm(rows, ROW_FIELDS)
        warm(rows.move_id, BIND_FIELDS)
        try:
            with_files = rows.filtered(lambda r: r.state == "sent").move_id._xero_with_attachments()
            if with_files:
                with_files._xero_queue_attachments(only_when_enabled=True)
        finally:
            log_outcomes(self.env, rows, self.notes)
