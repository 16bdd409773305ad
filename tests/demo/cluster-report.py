#!/usr/bin/env python3
"""What tests/demo/run prints from `jumpstart deploy --cluster --report-file` (ClusterDeployReport, camelCase JSON).

  placements REPORT          one line per instance: id, host, address, role (tab-separated, for the demo's pings)
  roles REPORT               the master and its workers, by host, as the CMS saw them at the end
  compare CLONES COLD FORMAT per host, per stage, mean seconds per VM: the clones beside a cold boot of the same VMs;
                             each side shows only the stages it has (a cold boot has no state distribution or resume)
"""
import json
import re
import sys
from datetime import datetime


def load(path):
    with open(path) as f:
        return json.load(f)


def at(text):
    """ISO 8601 as .NET writes it (7 fractional digits, an offset) -> POSIX seconds."""
    if not text:
        return None
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", text)
    zone = m.group(3) or "+00:00"
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(m.group(1) + zone).timestamp() + (float("0." + m.group(2)) if m.group(2) else 0.0)


def placements(report):
    for i in report["instances"]:
        print("\t".join([i["instanceId"], i["host"], i.get("address") or "-", i.get("role") or "-"]))


def roles(report):
    instances = report["instances"]
    masters = [i for i in instances if i.get("role") == "master"]
    workers = [i for i in instances if i.get("role") == "worker"]
    if len(masters) != 1:
        print(f"roles: {len(masters)} masters (expected one); the CMS's view: {[(i['instanceId'], i.get('role')) for i in instances]}")
        return
    m = masters[0]
    address = (m.get("address") or "-").split("/")[0]
    ready = [w for w in workers if w.get("phase") == "ready"]
    across = [w for w in ready if w["host"] != m["host"]]
    print(f"master: {m['instanceId']} on {m['host']} at {address}; workers: {len(workers)}, {len(ready)} ready")
    if across:
        hosts = sorted({w["host"] for w in across})
        print(f"{len(across)} of them run on {', '.join(hosts)}: each reported ready only after its role script pinged the master"
              f" at {address} across the switch")


# The stages of each kind, in order: (label, from, to) over a clone's timeline (dispatchedAt: the manager asked its host).
CLONE_STAGES = [
    ("state distribution", "requestedAt", "dispatchedAt"),
    ("bundle verify/copy", "dispatchedAt", "disksReadyAt"),
    ("resume", "disksReadyAt", "runningAt"),
    ("guest configuration", "runningAt", "registeredAt"),
    ("CMS role", "registeredAt", "readyAt"),
]
COLD_STAGES = [
    ("placement", "requestedAt", "dispatchedAt"),
    ("disks + disc", "dispatchedAt", "disksReadyAt"),
    ("QEMU start", "disksReadyAt", "runningAt"),
    ("boot + configuration", "runningAt", "registeredAt"),
    ("CMS role", "registeredAt", "readyAt"),
]


def per_host(report, stages):
    rows = {}
    for entry in report.get("timelines", []):
        t = entry["timeline"]
        host = rows.setdefault(entry["host"], {"n": 0, **{s[0]: [] for s in stages}, "total": []})
        host["n"] += 1
        for label, start, end in stages:
            a, b = at(t.get(start)), at(t.get(end))
            if a is not None and b is not None:
                host[label].append(max(0.0, b - a))
        if t.get("readyAt"):
            host["total"].append(max(0.0, at(t["readyAt"]) - at(t["requestedAt"])))
    return rows


def mean(values):
    return f"{sum(values) / len(values):.2f}" if values else "-"


def compare(clones, cold, memory_format):
    # The bundle's memory format comes from the caller (the bundle's own record): a report of a reused bundle may not know it.
    for title, report, stages in ((f"clones ({memory_format} bundle)", clones, CLONE_STAGES), ("cold boot", cold, COLD_STAGES)):
        rows = per_host(report, stages)
        labels = [s[0] for s in stages] + ["total"]
        print(f"{title}:")
        print(f"  {'host':<8} {'VMs':>3} " + " ".join(f"{label:>20}" for label in labels))
        for host in sorted(rows):
            r = rows[host]
            print(f"  {host:<8} {r['n']:>3} " + " ".join(f"{mean(r[label]):>20}" for label in labels))
        roles_s = report.get("allRolesSeconds")
        print(f"  request -> all {len(report.get('timelines', []))} roles: " + (f"{roles_s:.2f} s" if roles_s is not None else "not reached"))
    a, b = clones.get("allRolesSeconds"), cold.get("allRolesSeconds")
    if a and b:
        print(f"\n{len(clones['timelines'])} VMs over {len(per_host(clones, CLONE_STAGES))} hosts, request -> every role: clones {a:.2f} s,"
              f" cold boot {b:.2f} s ({b / a:.1f}x faster)")


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "placements" and len(sys.argv) == 3:
        placements(load(sys.argv[2]))
    elif command == "roles" and len(sys.argv) == 3:
        roles(load(sys.argv[2]))
    elif command == "compare" and len(sys.argv) == 5:
        compare(load(sys.argv[2]), load(sys.argv[3]), sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main())
