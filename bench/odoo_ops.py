"""Operations the bench runs inside Odoo (an ``env`` of a bench database).

Only product code paths are measured: the sync run is
``connection._xero_sync()`` exactly as the "Send data now" button and the
cron call it. What this module adds is bench plumbing: choosing which queued
documents take part in a run, reading outcomes, and the one-invoice-per-
request baseline (the same code with a batch size of 1, the product's own
``account_xero.batch_size`` setting).
"""

from __future__ import annotations

import time

from common import log


def use_batch_size(env, size):
    """Send ``size`` elements per request instead of 50 (the baseline: 1).

    Uses the product's own setting (system parameter ``account_xero.batch_size``):
    everything else (client, governor, retries, Idempotency-Keys, mappers,
    contacts) is the product's code."""
    from odoo.addons.account_xero.sync.outbox import BATCH_SIZE_PARAM

    env["ir.config_parameter"].sudo().set_param(BATCH_SIZE_PARAM, str(size))
    env.cr.commit()
    return "parameter " + BATCH_SIZE_PARAM


def connection(env):
    return env["xero.connection"].sudo().search([], limit=1)


def limit_queue(env, conn, count, mode="first"):
    """Keep ``count`` queued documents for this run and drop the other rows.

    ``first``: the first documents by id (number order). ``customers``:
    whole customers in id order until ``count`` documents, so a subset keeps
    the full dataset's documents-per-customer ratio (the baseline's contacts
    are then as many per invoice as in the full run). Returns the numbers
    of the documents kept."""
    env.cr.execute("""
        SELECT q.id, m.id, m.name, m.commercial_partner_id FROM xero_queue q JOIN account_move m ON m.id = q.move_id
         WHERE q.connection_id = %s AND q.action = 'upsert' AND q.state = 'waiting' ORDER BY m.id""", (conn.id,))
    rows = env.cr.fetchall()
    if mode == "customers":
        order = {}
        for _qid, _mid, _name, partner in rows:
            order.setdefault(partner, len(order))
        rows.sort(key=lambda r: (order[r[3]], r[1]))
    keep = rows[:count]
    drop = [r[0] for r in rows[count:]]
    if drop:
        env.cr.execute("DELETE FROM xero_queue WHERE id = ANY(%s)", (drop,))
    env.cr.execute("DELETE FROM xero_queue WHERE connection_id = %s AND action != 'upsert'", (conn.id,))
    env.cr.commit()
    env.invalidate_all()
    return [r[2] for r in keep], len({r[3] for r in keep})


def queued_documents(env, conn):
    """Numbers (and customer count) of every document with an upsert row not yet sent."""
    env.cr.execute("""
        SELECT m.name, m.commercial_partner_id FROM xero_queue q JOIN account_move m ON m.id = q.move_id
         WHERE q.connection_id = %s AND q.action = 'upsert' AND q.state IN ('waiting', 'sending') ORDER BY m.id""",
                   (conn.id,))
    rows = env.cr.fetchall()
    return [r[0] for r in rows], len({r[1] for r in rows})


def queue_stats(env, conn):
    """``{(action, state): count}`` of the connection's queue."""
    env.invalidate_all()
    env.cr.execute("SELECT action, state, count(*) FROM xero_queue WHERE connection_id = %s GROUP BY 1, 2",
                   (conn.id,))
    return {f"{action}:{state}": n for action, state, n in env.cr.fetchall()}


def pending(env, conn):
    env.cr.execute("SELECT count(*) FROM xero_queue WHERE connection_id = %s AND state IN ('waiting', 'sending')",
                   (conn.id,))
    return env.cr.fetchone()[0]


def release_backoff(env, conn):
    """Make rows waiting for their backoff due now (a bench does not wait minutes
    between runs; the rows and their keys are untouched)."""
    env.cr.execute("UPDATE xero_queue SET next_attempt = NULL WHERE connection_id = %s AND state = 'waiting' "
                   "AND next_attempt IS NOT NULL", (conn.id,))
    env.cr.commit()


def sync_until_done(env, conn, max_runs=50, stop_on_day_limit=True):
    """Run ``_xero_sync`` until nothing is due; return the runs' summaries.

    A run ends early on a transient failure ("partial") or a size limit; the
    next run picks up (rows left ``sending`` are replayed first). Stops at a
    spent daily limit ("stopped") unless told otherwise."""
    runs = []
    for _i in range(max_runs):
        if not pending(env, conn):
            break
        t0 = time.monotonic()
        run = conn._xero_sync(trigger="manual")
        env.cr.commit()
        runs.append({"state": run.state, "message": run.message or "", "api_calls": run.api_calls,
                     "done": run.count_done, "failed": run.count_failed, "skipped": run.count_skipped,
                     "seconds": round(time.monotonic() - t0, 2)})
        if run.state not in ("done", "success", False, None) and run.message:
            log(f"  run {len(runs)}: {run.state}: {run.message[:200]}")
        if run.state == "stopped" and stop_on_day_limit:
            break
        release_backoff(env, conn)
        env.invalidate_all()
    return runs


#: per document model: its table and its column on the queue
DOCUMENT_TABLES = {"account.move": ("account_move", "move_id"), "purchase.order": ("purchase_order", "purchase_id")}


def outcome(env, conn, names, model="account.move"):
    """Where the documents (or purchase orders) of this run stand in Odoo."""
    from odoo.tools import SQL

    table, column = (SQL.identifier(name) for name in DOCUMENT_TABLES[model])
    env.invalidate_all()
    env.cr.execute(SQL("""
        SELECT q.state, count(*) FROM xero_queue q JOIN %s d ON d.id = q.%s
         WHERE q.connection_id = %s AND q.action = 'upsert' AND d.name = ANY(%s) GROUP BY 1""",
                       table, column, conn.id, names))
    states = dict(env.cr.fetchall())
    env.cr.execute(SQL("""
        SELECT d.name, q.message FROM xero_queue q JOIN %s d ON d.id = q.%s
         WHERE q.connection_id = %s AND q.action = 'upsert' AND q.state = 'failed' AND d.name = ANY(%s)
         ORDER BY d.id LIMIT 10""", table, column, conn.id, names))
    failures = [f"{name}: {message}" for name, message in env.cr.fetchall()]
    env.cr.execute(SQL("SELECT count(*) FROM %s WHERE name = ANY(%s) AND xero_id IS NOT NULL", table, names))
    bound = env.cr.fetchone()[0]
    return {"states": states, "bound": bound, "failures": failures}


def queued_orders(env, conn):
    """Numbers (and vendor count) of every purchase order with an upsert row not yet sent."""
    env.cr.execute("""
        SELECT o.name, p.commercial_partner_id FROM xero_queue q JOIN purchase_order o ON o.id = q.purchase_id
          JOIN res_partner p ON p.id = o.partner_id
         WHERE q.connection_id = %s AND q.action = 'upsert' AND q.state IN ('waiting', 'sending') ORDER BY o.id""",
                   (conn.id,))
    rows = env.cr.fetchall()
    return [r[0] for r in rows], len({r[1] for r in rows})
