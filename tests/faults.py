"""Faults for the exactly-once tests: a process that "dies" around a call,
and 25 hours passing in Xero (keys and tokens forgotten)."""

from odoo.addons.account_xero.services.client import XeroClient
from odoo.addons.account_xero.sync.tokens import ConnectionTokens

from .common import DEMO


class SimulatedCrash(Exception):
    """The Odoo process stops here (nothing after this point is done)."""


class CrashAfterCall(XeroClient):
    """A real client; the process "dies" right after Xero processed a ``crash_on`` request."""

    crash_on = "create_invoices"

    def accounting(self, method, *args, **kwargs):
        response = super().accounting(method, *args, **kwargs)
        if method == self.crash_on:
            raise SimulatedCrash(method)
        return response


class CrashBeforeCall(XeroClient):
    """The process "dies" after marking rows sending, before the ``crash_on`` request left."""

    crash_on = "create_invoices"

    def accounting(self, method, *args, **kwargs):
        if method == self.crash_on:
            raise SimulatedCrash(method)
        return super().accounting(method, *args, **kwargs)


class FaultsMixin:
    """For export test cases (``self.connection``, ``self.xero_sync``)."""

    def fault_client(self, cls=XeroClient, crash_on=None, **kwargs):
        kwargs.setdefault("sleep", lambda seconds: None)  # backoff without waiting in tests
        client = cls(self.connection._xero_config(), ConnectionTokens(self.connection), **kwargs)
        if crash_on:
            client.crash_on = crash_on
        return client

    client = fault_client  # (payment cases keep a client of their own under that name)

    def a_day_later(self):
        """25 hours pass in Xero: idempotency keys and access tokens expire
        (a fresh token is issued as the connection would get by refreshing)."""
        self.emulator.advance_clock(25 * 3600)
        self.connection._xero_store_token(
            self.emulator.issue_token(client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id]))

    def crash(self, client):
        """Run until ``client`` "stops the process". Not ``assertRaises``: its
        savepoint would roll back what a real process had committed (the rows
        marked ``sending``), which is the very state under test."""
        try:
            self.xero_sync(client=client)
        except SimulatedCrash:
            return
        self.fail("the simulated crash did not happen")
