"""Mappers: one module per Xero object, turning Odoo records into Xero payload
dicts and Xero answers back into plain values. No ORM writes live here."""
