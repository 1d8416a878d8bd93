"""The summary table of ``make bench``: every figure against its target.

    python bench/summary.py [--quick] [--markdown]

Reads the JSON results the benchmarks wrote in ``bench/results/`` (and the
bad-inputs corpus result written by ``bench/run.sh``); a missing result is
shown as "not run". Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def load(name):
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def verdict(ok):
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


class Table:
    """The rows of the summary: ``(figure, target, measured, verdict)``."""

    def __init__(self):
        self.rows = []

    def add(self, what, target, measured, ok):
        self.rows.append((what, target, measured, verdict(ok)))


def export_rows(t, export):
    f = export["figures"]
    n = f["invoices"]
    t.add(f"export {n} invoices: invoices/min sustained", ">= 2,700 (90 % of 3,000)",
          f"{f['sustained_per_min']} (whole run {f['per_min_overall']}; {f['wall_s']:.0f} s)",
          (f["sustained_per_min"] or 0) >= 2700)
    t.add("API calls per invoice (incl. contacts)", "<= 0.025",
          f"{f['calls_per_invoice']} ({f['calls']} calls)", f["calls_per_invoice"] <= 0.025)
    t.add("429 received (steady state)", "0", f"{f['http_429']}", f["http_429"] == 0)
    t.add("Odoo CPU per invoice", "<= 2 ms", f"{f['cpu_ms_per_invoice']} ms", f["cpu_ms_per_invoice"] <= 2)
    if "memory" in f:
        m = f["memory"]
        t.add(f"peak memory {n} vs {m['small_invoices']} invoices", "<= 1.2x",
              f"{m['peak_ratio']}x ({f['peak_rss_mb']} / {m['small_peak_rss_mb']} MB RSS; export's own growth "
              f"{f['growth_mb']} / {m['small_growth_mb']} MB)", m["peak_ratio"] <= 1.2)
    if "baseline" in f:
        b = f["baseline"]
        t.add("calls vs one-invoice-per-request baseline", ">= 40x fewer",
              f"{b['calls_ratio']}x fewer ({b['extrapolated_calls']} vs {f['calls']}; baseline measured on "
              f"{b['sent']})", (b["calls_ratio"] or 0) >= 40)
        t.add("time vs baseline", "(reported)", f"{b['time_ratio_rate_bound']}x faster (baseline "
              f"{b['extrapolated_minutes_rate_bound']} min at 60/min, {b['extrapolated_days_at_5000']} days of "
              "5,000 calls)", None)
    if f.get("bytes_received") is not None:
        t.add("bytes from Xero per invoice exported", "(reported)",
              f"{f['bytes_per_invoice']} B ({f['bytes_received']} B in {f['calls']} answers)", None)
    t.add(f"lost / duplicated ({n} export)", "0 / 0", f"{f['lost']} / {f['duplicated']}",
          f["lost"] == 0 and f["duplicated"] == 0)
    if "starter" in f:
        s = f["starter"]
        t.add("Starter tier (1,000 calls/day)", "(reported)", f"{s['invoices_per_day']} invoices/day "
              f"({s['sent']} in {s['calls']} calls; baseline {s['baseline_invoices_per_day']}/day)", None)


def po_export_rows(t, po):
    f = po["figures"]
    t.add(f"export {f['orders']} purchase orders ({f['vendors']} vendors): orders/min sustained",
          ">= 2,700 (90 % of 3,000)", f"{f['sustained_per_min']} (last whole minute; whole run "
          f"{f['per_min_overall']}; {f['wall_s']:.0f} s)", (f["sustained_per_min"] or 0) >= 2700)
    t.add("API calls per purchase order (incl. contacts)", "<= 0.025",
          f"{f['calls_per_order']} ({f['calls']} calls)", f["calls_per_order"] <= 0.025)
    t.add(f"lost / duplicated ({f['orders']} purchase orders)", "0 / 0", f"{f['lost']} / {f['duplicated']}",
          f["lost"] == 0 and f["duplicated"] == 0 and f["sent"] == f["orders"])


def import_rows(t, imp):
    if "contacts" in imp:
        c = imp["contacts"]
        limit = 30 if imp["args"]["contacts"] >= 10_000 else 3
        t.add(f"import of {imp['args']['contacts']} contacts", f"<= {limit} s",
              f"{c['wall_s']:.0f} s, {c['emulator']['calls']} calls, {c['details'].get('count_created')} created "
              f"({c['details']['state']}; Odoo CPU {c['cpu_s']:.0f} s)",
              c["details"]["state"] == "done" and c["wall_s"] <= limit)
    if "reconcile" in imp:
        r = imp["reconcile"]
        t.add(f"reconciliation report of {r['invoices_in_xero']} invoices", "(reported)",
              f"{r['wall_s']:.0f} s, {r['emulator']['calls']} calls, {r['details']['lines']} differences", None)
        if r.get("bytes_received") is not None:
            t.add("bytes from Xero for that reconciliation", "(reported)",
                  f"{r['bytes_received']} B = {r['bytes_received'] / max(r['invoices_in_xero'], 1):.0f} B per invoice",
                  None)


def parallel_rows(t, par):
    runs = {r["workers"]: r for r in par["runs"]}
    one, four = runs.get(1), runs.get(4)
    app = par["args"]["app_limit"] * 50

    def rate(run):
        return run["per_min_steady"] or run["per_min_overall"]

    for run in par["runs"]:
        t.add(f"{par['args']['orgs']} organisations, {run['mode']}: invoices/min", "(reported)",
              f"{rate(run)} ({run['invoices_in_xero']} in {run['wall_s']:.0f} s; "
              f"{sum(run['http_429'].values())} x 429, {run['duplicated']} duplicated, "
              f"org max {run['max_org_calls_per_min']}/min, app max {run['max_app_calls_per_min']}/min)", None)
    if one and four:
        target = min(3.5 * rate(one), app * 0.95)
        t.add("4 workers vs 1 worker", f">= 3.5x or the app-wide limit ({app}/min)",
              f"{rate(four) / rate(one):.2f}x ({rate(four)} vs {rate(one)})", rate(four) >= target)
    ok = all(not r["http_429"] and not r["duplicated"] and r["max_org_calls_per_min"] <= 60
             and r["max_app_calls_per_min"] <= par["args"]["app_limit"] for r in par["runs"])
    t.add("parallel runs: 429s, duplicates, limits", "0, 0, org <= 60/min, app <= its limit",
          "all held" if ok else "NOT held", ok)


def kill_rows(t, kill):
    s = kill["summary"]
    enough = s["kills"] >= 200 or kill["args"].get("quick")
    t.add(f"{s['kills']} SIGKILLs during {s['documents_per_round']}-document export(s)", "0 lost, 0 duplicated",
          f"{s['lost']} lost, {s['duplicated']} duplicated ({s['kills_after_xero_processed']} kills after Xero "
          f"processed; contacts duplicated {s['contacts_duplicated']})",
          bool(enough) and s["lost"] == 0 and s["duplicated"] == 0 and s["contacts_duplicated"] == 0)


def storm_rows(t, storm):
    s = storm["summary"]
    t.add(f"storm of {s['rate']:.0%} faults over {s['documents']} documents", "all sent, 0 duplicated",
          f"{s['storm_sent']}/{s['documents']} sent, {s['storm_lost']} lost, {s['storm_duplicated']} duplicated "
          f"({s['faults_total']} faults: {s['faults_hit']})",
          s["storm_sent"] == s["documents"] and s["storm_duplicated"] == 0 and s["storm_lost"] == 0)
    t.add("storm time vs fault-free", "(reported)", f"{s['storm_wall_s']:.0f} s vs {s['clean_wall_s']:.0f} s "
          f"= {s['time_ratio']}x", None)
    d = s.get("daylimit")
    if d:
        state = d["first_run"][-1]["state"] if d["first_run"] else "?"
        t.add("daily limit: stop, resume after 24 h", "0 lost, 0 duplicated",
              f"first run {state} after {d['first_sent']} sent; {d['sent_total']}/{d['documents']} sent after "
              f"resume; {d['lost']} lost, {d['duplicated']} duplicated",
              state == "stopped" and d["lost"] == 0 and d["duplicated"] == 0 and d["sent_total"] == d["documents"])


def rows_of(quick):
    suffix = "_quick" if quick else ""
    t = Table()
    sections = [("export", export_rows), ("po_export", po_export_rows), ("import", import_rows),
                ("parallel", parallel_rows),
                ("fault_kill", kill_rows), ("fault_storm", storm_rows)]
    found = None
    for name, fill in sections:
        data = load(name + suffix)
        if data:
            fill(t, data)
            found = found or data
        else:
            t.add(f"{name} benchmark", "", "not run", False)
    corpus = load("corpus")
    if corpus:
        t.add("bad-inputs corpus (tests/test_bad_inputs_corpus.py)", ">= 30 cases, each its message, rest sent",
              f"{corpus.get('cases', '?')} bad inputs: {corpus['line']}",
              corpus["ok"] and (corpus.get("cases") or 0) >= 30)
    else:
        t.add("bad-inputs corpus", "", "not run", False)
    return t.rows, found


def render(rows, markdown=False):
    """The table; in text, the verdict comes first so long figures can run on."""
    if markdown:
        lines = ["| Figure | Target | Measured | |", "|---|---|---|---|"]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    width = [max(len(str(r[i])) for r in rows) for i in range(2)]
    out = [f"{'':4}  {'Figure':<{width[0]}}  {'Target':<{width[1]}}  Measured"]
    for what, target, measured, ok in rows:
        out.append(f"{ok:<4}  {what:<{width[0]}}  {target:<{width[1]}}  {measured}")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    rows, any_result = rows_of(args.quick)
    machine = (any_result or {}).get("machine") or {}
    print(f"\naccount_xero benchmarks — {machine.get('date', '?')} — {machine.get('cpu', '?')}, "
          f"{machine.get('cores', '?')} cores, {machine.get('ram_gb', '?')} GB RAM, PostgreSQL "
          f"{machine.get('postgresql', '?')}, commit {machine.get('git_commit', '?')}\n")
    print(render(rows, args.markdown))
    missed = [r for r in rows if r[3] == "MISS"]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} rows met or reported; {len(missed)} missed.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
