"""What the addon keeps of the Xero organisation itself: its ShortCode,
which Xero's deep links need (:mod:`..services.deeplinks`)."""


def short_code(connection, api):
    """The ShortCode of ``connection``'s organisation: read from Xero (one
    call) the first time, then kept on the connection per organisation.
    None when Xero gives none (the links then open the last organisation
    the user had open in Xero)."""
    conn = connection.sudo()
    codes = dict(conn.xero_short_codes or {})
    if conn.tenant_id not in codes:
        codes[conn.tenant_id] = api.organisation().get("ShortCode") or None
        conn.xero_short_codes = codes
    return codes[conn.tenant_id]


def known_short_code(connection):
    """The ShortCode already kept for ``connection``'s organisation (no call), or None."""
    conn = connection.sudo()
    return (conn.xero_short_codes or {}).get(conn.tenant_id)
