#!/usr/bin/env python3
"""The distribution benchmark's chart (gnuplot PNG: time against receivers, one panel per bundle size, one line per
transport, the baseline and the ideal) and its `summary:` line, from the rows `run` recorded.
   report.py RESULTS.tsv CHART.png RATE_MBIT BASELINE WORKDIR "TRANSPORTS" """
import collections
import os
import subprocess
import sys

results, chart, rate, baseline, work, transports = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6].split()
rows = collections.defaultdict(dict)  # (size, n) -> what -> value
for line in open(results):
    size, n, what, value = line.rstrip("\n").split("\t")
    rows[(int(size), int(n))][what] = value

sizes = sorted({s for s, _ in rows})
counts = sorted({n for _, n in rows})
series = [t for t in transports] + ([baseline] if baseline != "none" else []) + ["ideal"]


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# Chart: one panel per size.
script = [
    f"set terminal pngcairo size {520 * len(sizes)},520 noenhanced",
    f"set output '{os.path.abspath(chart)}'",
    "set datafile missing '?'",
    "set key top left",
    "set grid",
    "set xlabel 'receiving hosts'",
    "set yrange [0:*]",
    "set ylabel 'seconds'",
    f"set xtics ({', '.join(str(n) for n in counts)})",
    f"set multiplot layout 1,{len(sizes)} title 'jumpstart bundle distribute, {rate} Mbit/s per link (tc tbf)'",
]
for size in sizes:
    data = os.path.join(work, f"chart-{size}.dat")
    with open(data, "w") as f:
        for n in counts:
            values = [number(rows[(size, n)].get(s)) for s in series]
            f.write(f"{n} " + " ".join("?" if v is None else f"{v}" for v in values) + "\n")
    def title(s):
        values = [rows[(size, n)].get(s) for n in counts]
        return f"{s} (unavailable)" if values and all(v == "unavailable" for v in values) else s

    plots = [f"'{data}' using 1:{i + 2} with linespoints lw 2 {'dt 2 ' if s == 'ideal' else ''}title '{title(s)}'" for i, s in enumerate(series)]
    script.append(f"set title '{size} MiB bundle'")
    script.append("plot " + ", ".join(plots))
script.append("unset multiplot")
script_path = os.path.join(work, "chart.gp")
with open(script_path, "w") as f:
    f.write("\n".join(script) + "\n")
drawn = subprocess.run(["gnuplot", script_path], capture_output=True, text=True)
if drawn.returncode == 0:
    print(f"chart: {os.path.abspath(chart)}")
else:
    print(f"chart: failed ({drawn.stderr.strip()})")

# Summary: the headline size and receiver count are the largest measured.
size, n = sizes[-1], counts[-1]
head = rows[(size, n)]
ideal = number(head.get("ideal"))


def against_ideal(what):
    value = head.get(what)
    seconds = number(value)
    if seconds is None:
        return f"{what} {value or 'not run'}"
    return f"{what} {seconds:.1f} s = {seconds / ideal:.2f}x ideal ({'meets' if seconds / ideal <= 1.3 else 'misses'} 1.3x)"


parts = [f"{size} MiB to {n} receivers at {rate} Mbit/s (ideal {ideal:.1f} s): " + "; ".join(against_ideal(t) for t in ("chain", "multicast", "unicast"))]
seconds = [(s, number(rows[(s, m)].get("second"))) for (s, m) in sorted(rows) if "second" in rows[(s, m)]]
if seconds:
    parts.append("second distribution " + ", ".join(f"{s} MiB {v:.2f} s" for s, v in seconds if v is not None) + f" ({'meets' if all(v is not None and v < 1 for _, v in seconds) else 'misses'} < 1 s)")
picks = []
for s in sizes:
    chosen = [f"{m}:{rows[(s, m)].get('picked', '?')}" for m in counts if (s, m) in rows]
    picks.append(f"{s} MiB " + " ".join(chosen))
if any("picked" in r for r in rows.values()):
    parts.append("auto picked " + "; ".join(picks))
chain, copy = number(head.get("chain")), number(head.get(baseline))
if chain and copy:
    parts.append(f"chain vs parallel {baseline}: {chain:.1f} s vs {copy:.1f} s ({copy / chain:.1f}x faster)")
for what in ("chain", baseline):
    cpu = number(head.get(f"{what}_cpu"))
    if cpu is not None:
        parts.append(f"{what} CPU {cpu:.0f} s ({cpu * 1000 / (size * n):.1f} ms per MiB per hop; {cpu / ideal:.1f} cores to keep up with the links)")
with open("/proc/loadavg") as f:
    parts.append(f"load average {f.read().split()[0]} on {os.cpu_count()} cores")
print("summary: " + "; ".join(parts))
