"""Plain Python services of account_xero: no Odoo model lives here.

``client`` owns every HTTP call to Xero (through xero-python), ``governor``
keeps calls inside Xero's rate limits and ``errors`` classifies what went
wrong so callers can tell a retry from a rejection.
"""
