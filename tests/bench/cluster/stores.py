#!/usr/bin/env python3
"""The store comparison of `tests/bench/run cluster --store "sqlite etcd"` (issue 20 section 3).

Reads stores.tsv (store, repeat, then report.py's run columns: kind, clones, t0, t1, exit code, the JSON files of the
run) and prints per store and deployment (kind, clones) the median request -> all roles over the repeats with every
repeat's figure, the median state distribution, then `etcd_over_sqlite_*` ratios of the medians and `summary_stores:`.
The target: etcd <= 1.2x SQLite for request -> all roles. Standard library only.
"""
import argparse
import statistics
import sys

from report import read_run

TARGET_RATIO = 1.2


def fmt(x, digits=2):
    return "n/a" if x is None else f"{x:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--stores", required=True, help="the stores in the order given to the bench, e.g. 'sqlite etcd'")
    args = ap.parse_args()
    stores = args.stores.split()

    # The two leading columns are split off here; report.read_run parses the rest as in runs.tsv.
    runs = {}
    with open(args.runs) as f:
        for line in f:
            store, repeat, rest = line.split("\t", 2)
            run = read_run(rest, args.mode)
            runs.setdefault((store, run["kind"], run["n"]), []).append((int(repeat), run))

    keys = []
    emit = lambda k, v: keys.append(f"{k}: {v}")  # noqa: E731
    deployments = sorted({(k, n) for (_, k, n) in runs}, key=lambda d: (d[1], ("cold", "stream", "mapped").index(d[0])))
    medians = {}
    print()
    print("request -> all roles per store (seconds, median of the repeats; every repeat in brackets)")
    print(f"{'deployment':<12} " + " ".join(f"{s:>28}" for s in stores))
    for kind, n in deployments:
        cells = []
        for store in stores:
            done = [r for _, r in sorted(runs.get((store, kind, n), []), key=lambda x: x[0])]
            roles = [r["roles"] for r in done if r["complete"] and r["roles"] is not None]
            dist = [r["distribution"] for r in done if r["complete"]]
            median = statistics.median(roles) if roles else None
            medians[(store, kind, n)] = median
            key = f"{store}_{kind}_{n}"
            emit(f"{key}_request_to_all_roles_median_s", fmt(median, 3))
            emit(f"{key}_request_to_all_roles_s", " ".join(fmt(r["roles"], 3) if r["complete"] else "incomplete" for r in done))
            if kind != "cold":
                emit(f"{key}_state_distribution_median_s", fmt(statistics.median(dist) if dist else None, 3))
            emit(f"{key}_complete", f"{len(roles)}/{len(done)}")
            cells.append(f"{fmt(median)} [{' '.join(fmt(r['roles'], 1) if r['complete'] else '-' for r in done)}]")
        print(f"{kind + ' ' + str(n):<12} " + " ".join(f"{c:>28}" for c in cells))
    print()
    print("\n".join(keys))
    keys.clear()

    parts = []
    verdict = True
    base = stores[0]
    for other in stores[1:]:
        pairs = [(medians[(base, k, n)], medians[(other, k, n)], k, n) for k, n in deployments
                 if medians.get((base, k, n)) and medians.get((other, k, n))]
        for b, o, k, n in pairs:
            emit(f"{other}_over_{base}_{k}_{n}_request_to_all_roles", fmt(o / b, 3))
        if not pairs:
            parts.append(f"{other} vs {base}: no deployment complete on both")
            verdict = False
            continue
        # Over every deployment measured on both: the sum of the medians, so a long deployment weighs as it lasts.
        ratio = sum(o for _, o, _, _ in pairs) / sum(b for b, _, _, _ in pairs)
        emit(f"{other}_over_{base}_request_to_all_roles", fmt(ratio, 3))
        met = ratio <= TARGET_RATIO if (base, other) == ("sqlite", "etcd") else None
        if met is False:
            verdict = False
        detail = ", ".join(f"{k} {n}: {fmt(b)} -> {fmt(o)} s" for b, o, k, n in pairs)
        target = "" if met is None else f" (target <= {TARGET_RATIO}x {'met' if met else 'MISSED'})"
        parts.append(f"request -> all roles {other}/{base} {ratio:.2f}x{target}: {detail}")
    incomplete = [f"{s} {k} {n}" for (s, k, n), done in runs.items() for _, r in done if not r["complete"]]
    if incomplete:
        parts.append("incomplete: " + ", ".join(sorted(set(incomplete))))
    print("\n".join(keys))
    print("summary_stores: " + "; ".join(parts))
    return 0 if verdict and not incomplete else 1


if __name__ == "__main__":
    sys.exit(main())
