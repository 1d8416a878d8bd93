"""Shared fixtures: the local Xero emulator over real HTTP, connected companies.

The emulator is started once per test process, in-process on a free port,
and reset before every test class (and by tests that need a clean slate).
"""

import os
import sys

from odoo.tests import TransactionCase

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

_REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

from xero_emulator import DEMO, Emulator  # noqa: E402

from ..services.governor import GOVERNOR  # noqa: E402

_EMULATOR = None


class _TestEmulator(Emulator):
    """The emulator, whose reset also clears this process's rate governor:
    a fresh Xero has fresh limits, so tests do not wait on earlier tests' calls."""

    def reset(self, *args, **kwargs):
        result = super().reset(*args, **kwargs)
        GOVERNOR.reset()
        return result


def get_emulator():
    """The emulator of this test process (started on first use)."""
    global _EMULATOR
    if _EMULATOR is None:
        _EMULATOR = _TestEmulator(host="127.0.0.1", port=0, demo=True)
        _EMULATOR.start()
    return _EMULATOR


class XeroMixin:
    """Helpers to connect companies to the emulator without the OAuth dance."""

    @classmethod
    def xero_connect(cls, company, tenant_id=None, **values):
        """A connected ``xero.connection`` for ``company`` on ``tenant_id``."""
        emu = get_emulator()
        tenant_id = tenant_id or DEMO.tenant_id
        token = emu.issue_token(client_id=DEMO.client_id, tenant_ids=[tenant_id])
        vals = {
            "company_id": company.id,
            "api_url": emu.base_url,
            "identity_url": emu.base_url,
            "login_url": emu.base_url,
            "client_id": DEMO.client_id,
            "client_secret": DEMO.client_secret,
            "tenant_id": tenant_id,
            "tenant_name": DEMO.tenant_name if tenant_id == DEMO.tenant_id else tenant_id,
            "state": "connected",
        }
        vals.update(values)
        conn = cls.env["xero.connection"].sudo().create(vals)
        conn._xero_store_token(token)
        return conn


class XeroTransactionCase(XeroMixin, TransactionCase):
    """Plain transaction case with the emulator reset for the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()


class XeroAccountingCase(XeroMixin, AccountTestInvoicingCommon):
    """Accounting fixtures (chart of accounts, partners, taxes) + emulator,
    with the main company connected to the demo organisation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.emulator = get_emulator()
        cls.emulator.reset()
        cls.connection = cls.xero_connect(cls.env.company)
