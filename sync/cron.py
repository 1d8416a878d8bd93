"""The sync scheduled action: on while some connection is due, and triggered
at once when a slice hands work over (used by the scheduler and the runs)."""

SYNC_CRON = "account_xero.ir_cron_xero_sync"


def update_cron(env):
    """The sync action is active while a connected connection is automatic
    or has work handed over."""
    cron = env.ref(SYNC_CRON, raise_if_not_found=False)
    if not cron:
        return None
    wanted = bool(env["xero.connection"].sudo().search_count([
        ("state", "=", "connected"), "|", ("send_mode", "=", "auto"), ("next_sync", "!=", False)]))
    if cron.sudo().active != wanted:
        cron.sudo().active = wanted
    return cron.sudo()


def trigger_sync(env):
    """Run the sync action as soon as possible (work was handed over)."""
    cron = update_cron(env)
    if cron and cron.active:
        cron._trigger()
