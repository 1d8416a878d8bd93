"""Partners → Xero contacts (queue action ``contact``) and their history
notes (queue action ``history``).

* :meth:`ContactExporter.ensure` — what documents call: the commercial
  partners not in Xero yet are created (or linked) in requests of 50;
* build — a commercial partner's Contact (a contact person is sent with its
  company); bind — the ContactID through the binder, the version sent;
* explain — a name Xero already has says what to do;
* lookup — a request whose key Xero forgot: contacts by exact name that no
  other partner is linked to are this request's (linked, not refused as a
  duplicate name);
* history — what changed, written in the Xero contact's history after it is
  updated: one call per note, through the outbox like everything else.
"""

from ...services.errors import (
    XeroAuthError,
    XeroDayLimitError,
    XeroError,
    XeroMappingError,
    XeroPermissionError,
    XeroRetryableError,
)
from ...services.mappers.contact import contact_hash, contact_payload
from ..exporter import Exporter
from ..outbox import permission_message

NAME_TAKEN = "is already assigned to another contact"
#: Xero's longest history note
MAX_NOTE = 2000


class ContactExporter(Exporter):
    name = "contact"
    model = "res.partner"
    actions = ("contact",)
    xero_object = "contact"

    def __init__(self, ctx):
        super().__init__(ctx)
        #: payloads made by ensure() for the partners it queues, used by build()
        self.payloads = {}

    def partner(self, row):
        Partner = self.env["res.partner"].sudo().with_company(self.company).with_context(xero_no_push=True)
        return Partner.browse(row.res_id).exists()

    def payload(self, partner):
        return contact_payload(partner, self.binder._to_xero(partner, self.company))

    # ------------------------------------------------------------ for documents
    def ensure(self, partners):
        """Make the commercial partners of ``partners`` available in Xero.

        Bound partners cost no call (an archived Xero contact is an error).
        The others get a "contact" row (the open one is reused, a row in
        flight is replayed) and those rows are sent in batches now. Returns
        ``{partner id: message}`` (the given partners and their commercial
        partners) for those that could not be made available."""
        env, company = self.env, self.company
        Queue = env["xero.queue"].sudo()
        commercial = partners.commercial_partner_id.sudo().with_company(company)
        # the two fields asked here, not every field of a partner (company-dependent ones are costly)
        commercial.fetch(["xero_contact_id", "xero_contact_status"])
        errors = {}
        unbound = commercial.browse()
        for partner in commercial:
            if not partner.xero_contact_id:
                unbound |= partner
            elif (partner.xero_contact_status or "").upper() == "ARCHIVED":
                errors[partner.id] = env._(
                    "The Xero contact %(name)s linked to %(partner)s is archived: restore it in Xero or link another "
                    "contact (partner ▸ Xero ▸ Link to Xero).", name=partner.name, partner=partner.display_name)
        rows = Queue.search([("connection_id", "=", self.connection.id), ("res_model", "=", "res.partner"),
                             ("res_id", "in", unbound.ids), ("action", "=", "contact"), ("state", "=", "sending")])
        in_flight = set(rows.mapped("res_id"))
        hashes = {}
        for partner in unbound.filtered(lambda p: p.id not in in_flight):
            try:
                self.payloads[partner.id] = payload = contact_payload(partner)
                hashes[partner.id] = contact_hash(payload)
            except XeroMappingError as exc:
                errors[partner.id] = exc.message
        for row in Queue._xero_enqueue_batch(self.connection, unbound.filtered(lambda p: p.id in hashes), "contact",
                                             hashes=hashes):
            if row.state == "failed":  # unchanged since Xero refused it
                errors[row.res_id] = row.message or env._("Xero refused %s.", row.record_name)
            else:
                rows |= row
        if rows:
            self.process(rows)
            errors.update(self._not_made(unbound.filtered(lambda p: p.id not in errors), rows))
        result = {}
        for partner in partners:
            message = errors.get(partner.commercial_partner_id.id)
            if message:
                result[partner.id] = result[partner.commercial_partner_id.id] = message
        return result

    def _not_made(self, partners, rows):
        """``{partner id: message}`` of those ``partners`` whose row was not
        sent (a sent row bound its partner)."""
        last_row = {row.res_id: row for row in rows}
        errors = {}
        for partner in partners:
            row = last_row.get(partner.id)
            if not row or row.state != "sent":
                errors[partner.id] = (row and row.message) or self.env._("%s could not be created in Xero.",
                                                                         partner.display_name)
        return errors

    # ------------------------------------------------------------ steps
    def build(self, row):
        partner = self.partner(row)
        if not partner:
            row._xero_skip(self.run, "contact", self.env._("The partner no longer exists in Odoo."))
            return None
        if partner.commercial_partner_id != partner:
            row._xero_skip(self.run, "contact", self.env._(
                "%s is a contact person: it is sent with its company.", partner.display_name))
            return None
        # an unbound partner's payload was just made by ensure() (it has no ContactID to add)
        payload = self.payloads.pop(partner.id, None) or self.payload(partner)
        digest = contact_hash(payload)
        if row.payload_hash != digest:
            row.payload_hash = digest
        return "contacts.update", payload

    def legacy_operation(self, rows, elements):
        return "contacts.update"

    def bind(self, pairs):
        """Bind the contacts Xero accepted and record the version sent, for
        the whole answer at once (a partner ``write`` each costs milliseconds
        and has nothing to do here); then the history notes of updates."""
        ids, versions, done = {}, {}, []
        for row, element in pairs:
            partner = self.partner(row)
            contact_id = element.get("ContactID")
            if partner:
                ids[partner.id] = contact_id
                versions[partner.id] = {"xero_contact_hash": row.payload_hash,
                                        "xero_contact_status": element.get("ContactStatus") or "ACTIVE"}
            done.append((row, contact_id, None))
        self.binder._bind_many("res.partner", ids, self.company)
        self.binder._write_many("res.partner", versions, self.company)
        self.env["xero.queue"].sudo()._xero_succeed_many(self.run, "contact", done)
        for row, element in pairs:
            note = row.xero_history_note
            if not note:
                continue
            partner, contact_id, sent = self.partner(row), element.get("ContactID"), row._xero_element()
            if partner and self.connection.contact_history and sent.get("ContactID"):
                # what changed goes in the contact's history, by the history exporter, in this run
                self.env["xero.queue"].sudo()._xero_enqueue(self.connection, partner, action="history",
                                                            xero_id=contact_id, xero_history_note=note)
            row.xero_history_note = False

    def explain(self, row, messages):
        if any(NAME_TAKEN in text for text in messages):
            return self.env._(
                "Xero refused %(partner)s: another active Xero contact is already named \"%(name)s\" (contact "
                "names are unique in Xero). Rename the partner, or link it to that Xero contact (partner ▸ Xero "
                "▸ Link to Xero), then retry.", partner=row.record_name,
                name=row._xero_element().get("Name") or row.record_name)
        return super().explain(row, messages)

    def lookup(self, request, pairs):
        names = [sent.get("Name") for _row, sent in pairs if sent.get("Name") and not sent.get("ContactID")]
        found = {}
        if names:
            candidates = self.api.contacts_by_names(names)
            taken = set(self.binder._to_records("res.partner", [c.get("ContactID") for c in candidates],
                                                self.company))
            for row, sent in pairs:
                for cand in candidates:
                    if cand.get("Name") == sent.get("Name") and cand.get("ContactID") not in taken:
                        found[row.id] = cand
                        taken.add(cand["ContactID"])
                        break
        return found


class HistoryExporter(Exporter):
    """One history note per row on a Xero contact, after its update."""

    name = "contact_history"
    model = "res.partner"
    actions = ("history",)
    xero_object = "contact"

    def send(self, rows):
        for row in rows.filtered(lambda r: r.state in ("waiting", "sending")):
            details = (row.xero_history_note or "")[:MAX_NOTE]
            try:
                self.outbox.call(self, row, "contacts.history", {"xero_id": row.xero_id},
                                 {"HistoryRecords": [{"Details": details}]}, tag="note")
            except XeroPermissionError as exc:
                row._xero_fail(self.run, "contact", permission_message(self.env, exc))
                continue
            except (XeroDayLimitError, XeroAuthError, XeroRetryableError):
                raise  # the row stays in flight: the next run replays the very same note
            except XeroError as exc:
                row._xero_fail(self.run, "contact", self.env._(
                    "The contact was sent; its history note could not be written in Xero: %s", exc.message))
                continue
            row._xero_succeed(self.run, "contact", xero_id=row.xero_id,
                              message=self.env._("History note written in Xero."))

    def lookup_one(self, request, row):
        details = (row.xero_history_note or "")[:MAX_NOTE]
        for note in self.api.contact_history(row.xero_id):
            if note.get("Details") == details:
                return note
        return None
