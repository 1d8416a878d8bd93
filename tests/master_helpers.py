"""Helpers of the master-data and contact tests: a fresh demo organisation
per test, and contacts seeded straight into the emulator's state (seeding
through the API would spend the organisation's rate limit)."""

from contextlib import contextmanager

from xero_emulator.util import ms_date, new_id

from .common import DEMO, XeroAccountingCase


def seed_contacts(emulator, count, prefix="Bulk Contact", tenant_id=DEMO.tenant_id, age_seconds=86400,
                  start=0):
    """Add ``count`` active contacts named ``"<prefix> 00001"``… to the
    organisation, last updated ``age_seconds`` ago (emulator clock)."""
    store = emulator.store
    with store.lock:
        org = store.orgs[tenant_id]
        stamp = store.clock.now_ms() - age_seconds * 1000
        for i in range(start, start + count):
            cid = new_id()
            org.data["Contacts"][cid] = {
                "ContactID": cid, "ContactStatus": "ACTIVE", "Name": f"{prefix} {i:05d}",
                "EmailAddress": f"contact{i:05d}@{prefix.lower().replace(' ', '-')}.example.com",
                "AccountNumber": f"{prefix[:4].upper()}-{i:05d}", "IsCustomer": True, "IsSupplier": False,
                "Addresses": [{"AddressType": "POBOX", "AddressLine1": f"{i} Main Street", "City": "Springfield",
                               "Region": "IL", "PostalCode": "62701", "Country": "United States"}],
                "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": f"555-{i % 10000:04d}",
                            "PhoneAreaCode": "217", "PhoneCountryCode": "1"}],
                "ContactPersons": [], "ContactGroups": [], "BankAccountDetails": "", "HasAttachments": False,
                "HasValidationErrors": False, "UpdatedDateUTC": ms_date(stamp), "_upd": stamp,
            }
        org.reindex()
        store.dirty = True


def xero_contacts(emulator, tenant_id=DEMO.tenant_id):
    """``{name: contact}`` of the organisation's contacts (public copies)."""
    return {c["Name"]: c for c in emulator.dump()[tenant_id]["Contacts"]}


class XeroMasterCase(XeroAccountingCase):
    """Accounting fixtures with the demo organisation reset before each test
    (the emulator is not rolled back with the test's transaction)."""

    def setUp(self):
        super().setUp()
        self.emulator.reset()
        # the demo data is a minute old: "changed since" passes do not see it again
        self.emulator.advance_clock(60)
        self.connection._xero_store_token(self.emulator.issue_token(
            client_id=DEMO.client_id, tenant_ids=[DEMO.tenant_id]))

    def calls(self, route=None):
        """Accounting calls the organisation received (of ``route``, e.g. "POST /Contacts")."""
        counters = self.emulator.counters().get(DEMO.tenant_id, {})
        if route:
            return counters.get("calls_by_route", {}).get(route, 0)
        return counters.get("total_calls", 0)

    @contextmanager
    def assertRaisesMessage(self, exception, pattern):
        """``assertRaises`` (with its savepoint and cache reset) + the message."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertRegex(str(catcher.exception), pattern)
