from odoo import api, fields, models
from odoo.tools import SQL


class XeroBinder(models.AbstractModel):
    """The one place that binds Odoo records to Xero ids and finds them back.

    Each bound model names its id field in ``_xero_id_field``. Ids of shared
    records (partners, accounts) are company-dependent fields, so every
    lookup runs in the connection's company; lookups ignore ``active`` so an
    archived partner is still found (and not created twice). Every method is
    private: which record holds a Xero id, in any company, is nobody's
    business over RPC.
    """

    _name = "xero.binder"
    _description = "Xero id binder"

    @api.model
    def _field(self, model):
        field = getattr(self.env[model], "_xero_id_field", None)
        if not field:
            raise ValueError(f"{model} is not bound to Xero")
        return field

    @api.model
    def _scoped(self, model, company):
        records = self.env[model].sudo().with_company(company).with_context(active_test=False)
        return records

    @api.model
    def _to_records(self, model, xero_ids, company):
        """``{xero_id: record}`` for the given Xero ids (one query)."""
        ids = [x for x in set(xero_ids) if x]
        if not ids:
            return {}
        field = self._field(model)
        records = self._scoped(model, company)
        domain = [(field, "in", ids)]
        if "company_id" in records._fields and not records._fields[field].company_dependent:
            domain.append(("company_id", "in", [company.id, False]))
        found = records.search(domain)
        return {rec[field]: rec.with_env(self.env) for rec in found}

    @api.model
    def _to_record(self, model, xero_id, company):
        """The record bound to ``xero_id`` in ``company``, or an empty recordset."""
        return self._to_records(model, [xero_id], company).get(xero_id, self.env[model])

    @api.model
    def _to_xero(self, record, company):
        """The Xero id of ``record`` in ``company`` (False when unbound)."""
        record.ensure_one()
        return self._scoped(record._name, company).browse(record.id)[self._field(record._name)]

    @api.model
    def _bind(self, record, xero_id, company):
        """Store ``xero_id`` on ``record`` for ``company`` (False unbinds)."""
        self._scoped(record._name, company).browse(record.ids).write({self._field(record._name): xero_id or False})

    @api.model
    def _bind_many(self, model, xero_ids, company):
        """:meth:`_bind` for many records of one model: ``{record id: xero id}``.

        A plain id column (documents) is written in one SQL statement — an
        ORM ``write`` per record runs that model's whole write logic (for an
        account.move, several milliseconds) for a field that has none; the
        cache is invalidated and dependents told, and the model's
        ``_xero_after_bind`` (what its ``write`` does on a new id) runs once
        for the batch. Company-dependent ids (shared records) go through the
        ORM, record by record."""
        if not xero_ids:
            return
        name = self._field(model)
        records = self._scoped(model, company).browse(list(xero_ids))
        field = records._fields[name]
        if field.type != "char" or not field.store:
            for record in records:
                record.write({name: xero_ids[record.id] or False})
            return
        self._write_many(model, {rec_id: {name: xero_id} for rec_id, xero_id in xero_ids.items()}, company)
        bound = records.filtered(lambda rec: xero_ids[rec.id])
        if bound and hasattr(bound, "_xero_after_bind"):
            bound._xero_after_bind()  # what the model's write does when it gets an id

    @api.model
    def _write_many(self, model, values, company):
        """Write ``{record id: {field: value}}`` of stored char fields in one
        SQL statement per field, bypassing the model's ``write`` (what the
        sync records of Xero has no logic to run); company-dependent fields
        are written for ``company`` only. The cache is invalidated and the
        dependents told (``modified``). A False value of a company-dependent
        field goes through the ORM (it removes the company's value)."""
        records = self._scoped(model, company).browse(list(values))
        names = sorted({name for vals in values.values() for name in vals})
        records.flush_recordset(names)
        now, table = fields.Datetime.now(), SQL.identifier(records._table)
        for name in names:
            column = SQL.identifier(name)
            field = records._fields[name]
            pairs = [(rec_id, vals[name]) for rec_id, vals in values.items() if name in vals]
            if field.company_dependent:
                for rec_id, _value in [p for p in pairs if not p[1]]:
                    records.browse(rec_id).write({name: False})
                pairs = [p for p in pairs if p[1]]
                setter = SQL("%s = COALESCE(t.%s, '{}'::jsonb) || jsonb_build_object(%s::text, v.value)",
                             column, column, str(company.id))
            else:
                setter = SQL("%s = v.value", column)
            if not pairs:
                continue
            rows = SQL(", ").join(SQL("(%s, %s::varchar)", rec_id, value or None) for rec_id, value in pairs)
            self.env.cr.execute(SQL("UPDATE %s AS t SET %s, write_date = %s, write_uid = %s "
                                    "FROM (VALUES %s) AS v(id, value) WHERE t.id = v.id",
                                    table, setter, now, self.env.uid, rows))
        records.invalidate_recordset([*names, "write_date", "write_uid"])
        records.modified(names)

    @api.model
    def _unbind(self, record, company):
        self._bind(record, False, company)

    @api.model
    def _unbind_company(self, company):
        """Clear every Xero id of ``company`` on every bound model; returns
        ``{model: count}``. Company-dependent ids are cleared for that company
        only; other ids on records of that company."""
        counts = {}
        for name in list(self.env.registry):
            model = self.env[name]
            field = getattr(type(model), "_xero_id_field", None)
            if not field or model._abstract or model._transient or field not in model._fields:
                continue
            records = self._scoped(name, company)
            domain = [(field, "!=", False)]
            if not model._fields[field].company_dependent:
                if "company_id" not in model._fields:
                    continue  # not company-bound: cannot belong to this organisation only
                domain.append(("company_id", "=", company.id))
            found = records.search(domain)
            if found:
                found.write({field: False})
                counts[name] = len(found)
        return counts
