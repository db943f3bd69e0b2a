#!/usr/bin/env python3
"""Appends one benchmark result to bench/results/<scenario>.jsonl (and to this run's file).

Usage: record.py RESULTS_DIR RUN_FILE SCENARIO CASE SERVER REP < loadgen-output

The loadgen's JSON line is wrapped with what makes a result comparable later: the run id, the
git commit, the date, the machine (nproc, CPU model, kernel), the server's command line
overrides (BENCH_OVERRIDES, JSON), and the server's CPU/RSS read by the script around the
whole loadgen run (BENCH_OUTER, JSON). A loadgen that printed no JSON is recorded as an error.
"""

import json
import os
import sys


def main():
    results_dir, run_file, scenario, case, server, rep = sys.argv[1:7]
    text = sys.stdin.read().strip().splitlines()
    try:
        result = json.loads(text[-1]) if text else None
        if not isinstance(result, dict):
            raise ValueError("not an object")
    except ValueError as error:
        result = {"ok": False, "error": "no JSON from muster-loadgen: %s" % error,
                  "output": "\n".join(text)[-2000:]}
    line = {
        "run_id": os.environ.get("BENCH_RUN_ID", ""),
        "commit": os.environ.get("BENCH_COMMIT", ""),
        "date": os.environ.get("BENCH_DATE", ""),
        "machine": json.loads(os.environ.get("BENCH_MACHINE", "{}")),
        "scenario": scenario,
        "case": case,
        "server": server,
        "rep": int(rep),
        "overrides": json.loads(os.environ.get("BENCH_OVERRIDES", "[]")),
        "loadgen_args": json.loads(os.environ.get("BENCH_ARGS", "[]")),
        "outer": json.loads(os.environ.get("BENCH_OUTER", "{}")),
        "result": result,
    }
    encoded = json.dumps(line, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(results_dir, scenario + ".jsonl"), "a", encoding="utf-8") as out:
        out.write(encoded + "\n")
    with open(run_file, "a", encoding="utf-8") as out:
        out.write(encoded + "\n")
    print(one_line(case, server, rep, result))


def one_line(case, server, rep, r):
    """A progress line for the terminal."""
    if "error" in r:
        return "  %-24s %-9s #%s  ERROR %s" % (case, server, rep, r["error"])
    phase = r.get("phase", {}).get("server", {})
    parts = []
    if "deliveries_per_s" in r:
        parts.append("%.0f deliveries/s" % r["deliveries_per_s"])
        parts.append("p99 %.1f ms" % r.get("latency_ms", {}).get("p99", 0))
    if "cpu_us_per_delivery" in phase:
        parts.append("%.2f us/delivery" % phase["cpu_us_per_delivery"])
    if "server_rss_kib_per_connection" in r:
        parts.append("%.2f KiB/conn RSS" % r["server_rss_kib_per_connection"])
    if "storm_s" in r:
        parts.append("storm %.2f s" % r["storm_s"])
    if "acks_per_s" in r:
        parts.append("%.0f acks/s" % r["acks_per_s"])
    status = "ok" if r.get("ok") else "NOT OK (errors %s, missing %s, duplicates %s)" % (
        r.get("errors"), r.get("missing"), r.get("duplicates"))
    return "  %-24s %-9s #%s  %s  %s" % (case, server, rep, ", ".join(parts), status)


if __name__ == "__main__":
    main()
