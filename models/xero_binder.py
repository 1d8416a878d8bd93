from odoo import api, models


class XeroBinder(models.AbstractModel):
    """The one place that binds Odoo records to Xero ids and finds them back.

    Each bound model names its id field in ``_xero_id_field``. Ids of shared
    records (partners, accounts) are company-dependent fields, so every
    lookup runs in the connection's company; lookups ignore ``active`` so an
    archived partner is still found (and not created twice).
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
    def to_records(self, model, xero_ids, company):
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
    def to_record(self, model, xero_id, company):
        """The record bound to ``xero_id`` in ``company``, or an empty recordset."""
        return self.to_records(model, [xero_id], company).get(xero_id, self.env[model])

    @api.model
    def to_xero(self, record, company):
        """The Xero id of ``record`` in ``company`` (False when unbound)."""
        record.ensure_one()
        return self._scoped(record._name, company).browse(record.id)[self._field(record._name)]

    @api.model
    def bind(self, record, xero_id, company):
        """Store ``xero_id`` on ``record`` for ``company`` (False unbinds)."""
        self._scoped(record._name, company).browse(record.ids).write({self._field(record._name): xero_id or False})

    @api.model
    def unbind(self, record, company):
        self.bind(record, False, company)
