"""Exporters: one class per kind of write to Xero (see ``sync/exporter.py``)."""
