"""Importers: what comes from Xero (master data, contacts, payments,
webhook events, document snapshots for the reconciliation)."""
