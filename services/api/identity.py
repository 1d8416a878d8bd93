"""Xero's Identity API: the organisations a token can reach."""


class IdentityAdapter:
    """``/connections`` through a :class:`~..client.XeroClient` (not rate-governed:
    Identity has limits of its own and is called a few times per connection)."""

    def __init__(self, client):
        self.client = client

    def connections(self, **kwargs):
        """The organisations (tenants) connected to the app for this token,
        as Xero's dicts (``id``, ``tenantId``, ``tenantName``, ``tenantType``...).
        ``kwargs`` are passed through (``auth_event_id`` after a consent)."""
        return self.client.identity("get_connections", **kwargs).data or []

    def tenant_ids(self):
        """The set of ``tenantId`` this token reaches."""
        return {c.get("tenantId") for c in self.connections()}

    def disconnect_tenant(self, tenant_id):
        """Remove every connection of the app to ``tenant_id``; returns how many."""
        ids = [c.get("id") for c in self.connections() if c.get("tenantId") == tenant_id and c.get("id")]
        for connection_id in ids:
            self.client.identity("delete_connection", connection_id)
        return len(ids)
