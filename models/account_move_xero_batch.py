"""What sending documents does once per run and once per request, rather
than once per document.

* ``_xero_prepare_run`` — before a run's first batch of documents, their
  contacts not yet in Xero are created (or linked) in full requests of 50,
  instead of a few with every batch of documents.
* ``_xero_documents_sent`` — the ``on_success_many`` of an upsert request:
  the Xero ids, what was sent and what Xero answered are stored for the
  whole request at once.
"""

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from ..services.mappers.invoice import kind_of
from .account_move_xero import GONE

#: documents looked at at once when collecting a run's contacts
PREPARE_CHUNK = 1000
#: this addon's own columns on account_move written when a document is sent
SENT_FIELDS = ("xero_hash", "xero_sent_date", "xero_remote_status", "xero_remote_due", "xero_remote_checked")


class AccountMoveXeroBatch(models.Model):
    _inherit = "account.move"

    @api.model
    def _xero_prepare_run(self, connection, action, run, client, limit):
        """Make available in Xero the contacts of the documents this run will send.

        Looks at the first ``limit`` due upsert rows (what the run can get
        to); skips rows already ``sending`` (their request is replayed as it
        was), documents that are not sent at all (see ``_xero_skip_reason``)
        and partners already bound (``_xero_ensure_contacts`` costs no call
        for them). A contact Xero refuses is not an error here: each batch
        asks again, gets the refusal without a call, and fails only the
        documents of that contact, with its message."""
        if action != "upsert":
            return
        row_ids = self.env["xero.queue"].sudo().search([
            ("connection_id", "=", connection.id), ("res_model", "=", "account.move"), ("action", "=", "upsert"),
            ("state", "=", "waiting"), "|", ("next_attempt", "=", False),
            ("next_attempt", "<=", fields.Datetime.now())], limit=limit, order="id").ids
        partner_ids = set()
        for chunk in split_every(PREPARE_CHUNK, row_ids):
            moves = self.env["xero.queue"].sudo().browse(chunk).move_id
            partner_ids.update(moves.filtered(lambda m: not m._xero_skip_reason(connection)).commercial_partner_id.ids)
            # only the partner ids are kept: a run of 10,000 documents never
            # holds them all in memory at once
            self.env.invalidate_all()
        partners = self.env["res.partner"].sudo().with_company(connection.company_id).browse(sorted(partner_ids))
        partners = partners.filtered(lambda p: not p.xero_contact_id)
        if partners:
            self.env["res.partner"]._xero_ensure_contacts(connection, partners, run, client)

    @api.model
    def _xero_documents_sent(self, connection, accepted, run, notes):
        """Bind and record the documents Xero accepted in one answer.

        ``accepted`` is ``[(queue row, element Xero returned)]``. The Xero ids
        go through the binder; the other columns are this addon's own
        bookkeeping (version sent, sent date, Xero's status and amount due),
        written in one statement per answer — an ``account.move`` write per
        document runs accounting checks that cost milliseconds each and have
        nothing to check here. A document Xero reports voided or deleted goes
        through ``_xero_store_remote`` first, which tells its followers."""
        if not accepted:
            return
        now = fields.Datetime.now()
        xero_ids, values, outcomes = {}, [], {}
        for row, element in accepted:
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
            notes[move.id] = message
        moves = self.browse(list(xero_ids))
        moves.flush_recordset(list(SENT_FIELDS))
        self.env.cr.execute(SQL(
            "UPDATE account_move AS m SET xero_hash = v.hash, xero_sent_date = %s, xero_remote_status = v.status, "
            "xero_remote_due = v.due, xero_remote_checked = %s FROM (VALUES %s) AS v(id, hash, status, due) "
            "WHERE m.id = v.id", now, now, SQL(", ").join(values)))
        moves.invalidate_recordset(list(SENT_FIELDS))
        moves.modified(list(SENT_FIELDS))
        self.env["xero.binder"].bind_many("account.move", xero_ids, connection.company_id)
        for xero_object, done in outcomes.items():
            self.env["xero.queue"]._xero_succeed_many(run, xero_object, done)
