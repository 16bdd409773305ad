#!/usr/bin/python3
"""Figs. 3-7 of `tests/bench/run cluster` (issue 15 section 3): the image distribution schemes on three hosts.

The test guest has no disk, so the clones here are NBD readers (Debian's python3-libnbd, one process per VM, in its
host's network namespace) that read a fixed amount from their base image, sequentially (128 KiB requests) or at
random (4 KiB), as a VM's disk would through its host. The images are made by each host's hostd image service through
the CLI (`image add --file`, `--copy-from` for unicast copies, `image replicate --multicast` to uftpd receivers for
multicast copies, `--upstream` for pseudo images) over the cluster's remote control. Layouts (the paper's §4):

  shared       every VM reads the real image on host-a (remote VMs over TCP)
  copies k     host-a and k-1 members hold full copies made before the VMs start; the others read a server over TCP
  pseudo k     host-a and k-1 members serve (a member's pseudo image fetches each missed 1 MiB extent from host-a
               once and keeps it); the others read a server over TCP

Per run: access delay (mean seconds per request over all VMs), distribution time (copies made before the VMs start),
cloud time = distribution + the slowest VM's reading; beside each, the planner's prediction (`jumpstart image plan`
with this run's sizes and the measured link, disk and latency). Fig. 6/7: the on-demand gain (cloud time of shared /
cloud time of pseudo k) against k, and against the fraction f of each VM's reads that fall in a region all VMs share.
Prints `key: value` lines; writes CSVs and PNGs to --out.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time

SEQ_REQUEST = 128 * 1024
RAND_REQUEST = 4096
NBD_PORT = 10809


def reader_main(args):
    """One VM: read `total` bytes from `uri`, print JSON {seconds, requests, mean_s}."""
    import nbd  # Debian python3-libnbd: only the reader needs it

    h = nbd.NBD()
    h.connect_uri(args.uri)
    size = h.get_size()
    q = SEQ_REQUEST if args.pattern == "seq" else RAND_REQUEST
    rng = random.Random(args.seed)
    shared_bytes = int(args.total * args.shared)
    # The shared region is [0, shared region) for every VM; a VM's private region is its own slice after it.
    private_base = max(args.total, 1) * (1 + args.index)
    offsets = []
    for part, base, length in (("shared", 0, shared_bytes), ("private", private_base, args.total - shared_bytes)):
        n = length // q
        if n <= 0:
            continue
        if args.pattern == "seq":
            offsets += [(base + i * q) % (size - q) for i in range(n)]
        else:
            span = max(length, q)
            offsets += [(base + rng.randrange(0, span // q) * q) % (size - q) for _ in range(n)]
    if args.pattern == "rand":
        rng.shuffle(offsets)
    latency = 0.0
    start = time.monotonic()
    for off in offsets:
        t = time.monotonic()
        h.pread(q, off)
        latency += time.monotonic() - t
    seconds = time.monotonic() - start
    h.shutdown()
    print(json.dumps({"seconds": seconds, "requests": len(offsets), "mean_s": latency / max(1, len(offsets))}))
    return 0


class Bench:
    def __init__(self, a):
        self.a = a
        self.hosts = a.names.split(",")
        self.ns = dict(zip(self.hosts, a.namespaces.split(",")))
        self.addr = dict(zip(self.hosts, a.addresses.split(",")))
        self.dirs = dict(zip(self.hosts, a.dirs.split(",")))
        self.rows = []
        self.counter = 0

    def cli(self, host, *args, check=True):
        r = subprocess.run([self.a.jumpstart, *args, "--socket", os.path.join(self.dirs[self.hosts[0]], "run", "hostd.sock"),
                            "--host", host], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"jumpstart {' '.join(args)} on {host}: exit {r.returncode}: {r.stderr.strip()[-400:]}")
        return r

    def uri(self, host, name):
        return f"nbd://{self.addr[host]}:{NBD_PORT}/{name}"

    def local_uri(self, host, name):
        return f"nbd+unix:///{name}?socket={os.path.join(self.dirs[host], 'run', 'nbd.sock')}"

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def remove(self, host, name):
        self.cli(host, "image", "remove", name, check=False)

    def origin(self):
        path = os.path.join(self.dirs[self.hosts[0]], "bench-base.raw")
        with open(path, "wb") as f:
            rnd = random.Random(7)
            for _ in range(self.a.image_mib):
                f.write(rnd.randbytes(1 << 20))
        self.cli(self.hosts[0], "image", "add", "bench-base", "--file", path)
        return "bench-base"

    def multicast_copies(self, name, targets):
        """uftpd on each target (in its namespace), one uftp send from host-a, then `image add --file` there."""
        receivers = []
        procs = []
        for i, host in enumerate(targets):
            directory = os.path.join(self.dirs[host], "mc")
            os.makedirs(directory, exist_ok=True)
            rid = "0x0a%06x" % (0x4f0000 + i + 1)
            receivers.append(rid)
            procs.append(subprocess.Popen(["ip", "netns", "exec", self.ns[host], "uftpd", "-d", "-t", "-M", "230.4.4.1",
                                           "-p", "1044", "-I", self.a.interface, "-U", rid, "-D", directory],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)
        try:
            source = os.path.join(self.dirs[self.hosts[0]], "bench-base.raw")
            r = subprocess.run(["ip", "netns", "exec", self.ns[self.hosts[0]], self.a.jumpstart, "image", "replicate", "--multicast",
                                "--from", source, "--to", name + ".raw", "--group", "230.4.4.1", "--port", "1044",
                                "--interface", self.a.interface, "--rate", f"{int(self.a.rate * 0.9)}Mbit/s",
                                *sum((["--receiver", rid] for rid in receivers), [])], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"multicast: exit {r.returncode}: {r.stderr.strip()[-300:]}")
        finally:
            for p in procs:
                p.terminate()
                p.wait()
        for host in targets:
            self.cli(host, "image", "add", name, "--file", os.path.join(self.dirs[host], "mc", name + ".raw"))

    def layout(self, scheme, k, base):
        """Makes the images of one run; returns (distribution seconds, {host: uri its VMs read}, names to remove)."""
        a, members = self.hosts[0], self.hosts[1:]
        servers = [a] + members[: k - 1]
        made = []
        t0 = time.monotonic()
        name = self.fresh("img")
        uris = {a: self.local_uri(a, base)}
        if scheme == "copies-unicast":
            for host in servers[1:]:
                self.cli(host, "image", "add", name, "--copy-from", self.uri(a, base))
                made.append((host, name))
        elif scheme == "copies-multicast" and len(servers) > 1:
            self.multicast_copies(name, servers[1:])
            made += [(h, name) for h in servers[1:]]
        elif scheme == "pseudo":
            for host in servers[1:]:
                self.cli(host, "image", "add", name, "--upstream", self.uri(a, base))
                made.append((host, name))
        distribution = time.monotonic() - t0 if scheme.startswith("copies") else 0.0
        for host in servers[1:]:
            uris[host] = self.local_uri(host, name)
        # The other hosts read a server over TCP, round robin (each server about N/k VMs).
        remote = [(s, self.uri(s, base if s == a else name)) for s in servers]
        for i, host in enumerate(h for h in self.hosts if h not in servers):
            uris[host] = remote[i % len(remote)][1]
        return distribution, uris, made

    def read_all(self, uris, pattern, shared):
        procs = []
        index = 0
        for host in self.hosts:
            for _ in range(self.a.vms_per_host):
                procs.append(subprocess.Popen(["ip", "netns", "exec", self.ns[host], "/usr/bin/python3", __file__, "read",
                                               "--uri", uris[host], "--total", str(self.a.read_mib << 20), "--pattern", pattern,
                                               "--shared", str(shared), "--index", str(index), "--seed", str(index + 1)],
                                              stdout=subprocess.PIPE, text=True))
                index += 1
        t0 = time.monotonic()
        results = []
        for p in procs:
            out, _ = p.communicate()
            if p.returncode != 0:
                raise RuntimeError(f"reader exited {p.returncode}")
            results.append(json.loads(out))
        wall = time.monotonic() - t0
        requests = sum(r["requests"] for r in results)
        mean = sum(r["mean_s"] * r["requests"] for r in results) / max(1, requests)
        return mean, max(r["seconds"] for r in results), wall

    def plan(self, scheme, k, pattern, shared):
        """The planner's prediction for this run (cloud and delay per request)."""
        name = {"shared": "shared", "copies-unicast": "unicast", "copies-multicast": "multicast", "pseudo": "on-demand"}[scheme]
        vms = self.a.vms_per_host * len(self.hosts)
        args = ["image", "plan", "--vms", str(vms), "--hosts", str(len(self.hosts)), "--image-size", f"{self.a.image_mib}MiB",
                "--read-per-vm", f"{self.a.read_mib}MiB", "--pattern", "sequential" if pattern == "seq" else "random",
                "--disk-bw", f"{int(self.disk_bps)}B/s", "--net-bw", f"{self.a.rate}Mbit/s", "--latency", f"{self.latency * 1000:.3f}ms",
                "--max-images", str(k), "--scheme", name, "--json"]
        if scheme == "pseudo":
            # The planner's W is what one pseudo image fetches: the part all VMs share once, plus the private reads
            # of the VMs of its host (each VM here reads f of its bytes from a shared region, the rest from its own).
            per_image = self.a.read_mib * shared + self.a.read_mib * (1 - shared) * self.a.vms_per_host
            ws = min(1.0, per_image / self.a.image_mib)
            args += ["--working-set", f"{ws:.4f}"]
        r = subprocess.run([self.a.jumpstart, *args], capture_output=True, text=True)
        if r.returncode != 0:
            return None, None
        p = next((x for x in json.loads(r.stdout)["predictions"] if x["images"] == k), None)
        return (p["cloudSeconds"], p["meanRequestSeconds"]) if p else (None, None)

    def calibrate(self, base):
        """Disk (a local reader on host-a) and latency (one 4 KiB read over TCP from host-b) for the planner."""
        a, b = self.hosts[0], self.hosts[1]
        uris = {a: self.local_uri(a, base)}
        out = subprocess.run(["ip", "netns", "exec", self.ns[a], "/usr/bin/python3", __file__, "read", "--uri", uris[a],
                              "--total", str(self.a.read_mib << 20), "--pattern", "seq", "--shared", "0", "--index", "0", "--seed", "1"],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        self.disk_bps = (self.a.read_mib << 20) / r["seconds"]
        out = subprocess.run(["ip", "netns", "exec", self.ns[b], "/usr/bin/python3", __file__, "read", "--uri", self.uri(a, base),
                              "--total", str(256 * RAND_REQUEST), "--pattern", "rand", "--shared", "0", "--index", "0", "--seed", "1"],
                             capture_output=True, text=True, check=True)
        self.latency = json.loads(out.stdout)["mean_s"]
        print(f"images_disk_bytes_per_s: {int(self.disk_bps)}")
        print(f"images_remote_4k_read_s: {self.latency:.6f}")

    def run(self, scheme, k, pattern, shared, base):
        distribution, uris, made = self.layout(scheme, k, base)
        try:
            mean, slowest, _ = self.read_all(uris, pattern, shared)
        finally:
            for host, name in made:
                self.remove(host, name)
        cloud = distribution + slowest
        p_cloud, p_delay = self.plan(scheme, k, pattern, shared)
        row = {"scheme": scheme, "k": k, "pattern": pattern, "shared": shared, "distribution_s": round(distribution, 3),
               "delay_ms": round(mean * 1000, 4), "cloud_s": round(cloud, 3),
               "planner_delay_ms": None if p_delay is None else round(p_delay * 1000, 4),
               "planner_cloud_s": None if p_cloud is None else round(p_cloud, 3)}
        self.rows.append(row)
        key = f"images_{scheme}_{k}_{pattern}_f{int(shared * 100)}"
        print(f"{key}_delay_ms: {row['delay_ms']} (planner {row['planner_delay_ms']})")
        print(f"{key}_cloud_s: {row['cloud_s']} (planner {row['planner_cloud_s']}, distribution {row['distribution_s']})")
        sys.stdout.flush()
        return row


def plot(path_csv, png, title, x, series, ylabel):
    # A planner's prediction is dashed beside its measurement.
    lines = ", ".join(f"'{path_csv}' using {x}:{col} with linespoints{' dt 2' if 'planner' in t else ''} title '{t}'" for col, t in series)
    script = f"""set terminal png size 800,500
set output '{png}'
set datafile separator ','
set datafile missing ''
set title '{title}' noenhanced
set key noenhanced
set xlabel '{'image copies k' if x == 1 else 'shared fraction f'}'
set ylabel '{ylabel}'
plot {lines}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False, capture_output=True)
    return png


def gain_table(rows, path, column, points, patterns):
    """The on-demand gain (cloud time of shared / of pseudo k) at each (x, k, shared fraction) point, per pattern."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([column] + [f"gain_{p}" for p in patterns])
        for x, k, frac in points:
            line = [x]
            for p in patterns:
                s = next((r for r in rows if r["scheme"] == "shared" and r["pattern"] == p and r["shared"] == frac), None)
                o = next((r for r in rows if r["scheme"] == "pseudo" and r["k"] == k and r["pattern"] == p and r["shared"] == frac), None)
                line.append("" if not s or not o else round(s["cloud_s"] / o["cloud_s"], 3))
            w.writerow(line)
    return path


def figures(bench, out, ks, patterns, schemes, fractions):
    rows = bench.rows
    for metric, unit, fig, what in (("delay_ms", "ms per request", "fig3-delay", "access delay"), ("cloud_s", "seconds", "fig4-cloud", "cloud time")):
        for pattern in patterns:
            path = os.path.join(out, f"{fig}-{pattern}.csv")
            with open(path, "w", newline="") as f:
                w = csv.writer(f)
                cols = []
                for s in schemes:
                    cols += [f"{s}", f"{s}_planner"]
                w.writerow(["k"] + cols)
                for k in ks:
                    line = [k]
                    for s in schemes:
                        r = next((r for r in rows if r["scheme"] == s and r["k"] == k and r["pattern"] == pattern and r["shared"] == 0), None)
                        line += ["" if r is None else r[metric], "" if r is None or r[f"planner_{metric}"] is None else r[f"planner_{metric}"]]
                    w.writerow(line)
            series = []
            for i, s in enumerate(schemes):
                series += [(2 + 2 * i, s), (3 + 2 * i, f"{s} (planner)")]
            print(f"{fig}_{pattern}_png: {plot(path, path.replace('.csv', '.png'), f'{what} vs image copies, {pattern} reads (NBD readers, 3 hosts)', 1, series, unit)}")
    # Fig. 5: distribution time of the copies, unicast vs multicast.
    path = os.path.join(out, "fig5-distribution.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["k", "unicast_s", "multicast_s"])
        for k in ks:
            u = next((r for r in rows if r["scheme"] == "copies-unicast" and r["k"] == k), None)
            m = next((r for r in rows if r["scheme"] == "copies-multicast" and r["k"] == k), None)
            w.writerow([k, "" if u is None else u["distribution_s"], "" if m is None else m["distribution_s"]])
    print(f"fig5_png: {plot(path, path.replace('.csv', '.png'), 'time to make the copies', 1, [(2, 'unicast'), (3, 'multicast')], 'seconds')}")
    # Fig. 6: on-demand gain vs k (f = 0); Fig. 7: vs the shared fraction at the largest k.
    path = gain_table(rows, os.path.join(out, "fig6-ondemand-gain-k.csv"), "k", [(k, k, 0.0) for k in ks], patterns)
    print(f"fig6_png: {plot(path, path.replace('.csv', '.png'), 'on-demand gain (shared / pseudo cloud time) vs pseudo images', 1, [(2 + i, p) for i, p in enumerate(patterns)], 'gain')}")
    path = gain_table(rows, os.path.join(out, "fig7-ondemand-gain-shared.csv"), "f", [(f, ks[-1], f) for f in fractions], patterns)
    print(f"fig7_png: {plot(path, path.replace('.csv', '.png'), f'on-demand gain vs shared fraction (k = {ks[-1]})', 1, [(2 + i, p) for i, p in enumerate(patterns)], 'gain')}")
    with open(os.path.join(out, "images-runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "read":
        ap = argparse.ArgumentParser()
        ap.add_argument("read")
        ap.add_argument("--uri", required=True)
        ap.add_argument("--total", type=int, required=True)
        ap.add_argument("--pattern", choices=["seq", "rand"], required=True)
        ap.add_argument("--shared", type=float, default=0.0)
        ap.add_argument("--index", type=int, default=0)
        ap.add_argument("--seed", type=int, default=1)
        return reader_main(ap.parse_args())
    ap = argparse.ArgumentParser()
    ap.add_argument("--jumpstart", required=True)
    ap.add_argument("--names", required=True)
    ap.add_argument("--namespaces", required=True)
    ap.add_argument("--addresses", required=True)
    ap.add_argument("--dirs", required=True)
    ap.add_argument("--interface", default="jsbr0")
    ap.add_argument("--rate", type=int, required=True, help="link Mbit/s (tbf on every veth, set by the caller)")
    ap.add_argument("--image-mib", type=int, default=256)
    ap.add_argument("--read-mib", type=int, default=32)
    ap.add_argument("--vms-per-host", type=int, default=2)
    ap.add_argument("--patterns", default="seq rand")
    ap.add_argument("--fractions", default="0 0.5 1")
    ap.add_argument("--multicast", action="store_true")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    bench = Bench(a)
    base = bench.origin()
    bench.calibrate(base)
    ks = list(range(1, len(bench.hosts) + 1))
    patterns = a.patterns.split()
    fractions = [float(x) for x in a.fractions.split()]
    schemes = ["copies-unicast"] + (["copies-multicast"] if a.multicast else []) + ["pseudo"]
    for pattern in patterns:
        bench.run("shared", 1, pattern, 0.0, base)
        for scheme in schemes:
            for k in ks[1:]:
                try:
                    bench.run(scheme, k, pattern, 0.0, base)
                except RuntimeError as e:
                    print(f"images_{scheme}_{k}_{pattern}: failed ({e})", file=sys.stderr)
        for frac in fractions:
            if frac == 0:
                continue
            bench.run("shared", 1, pattern, frac, base)
            bench.run("pseudo", ks[-1], pattern, frac, base)
    # k = 1 of every scheme is the shared run.
    for r in [r for r in bench.rows if r["scheme"] == "shared"]:
        for s in schemes:
            bench.rows.append({**r, "scheme": s})
    figures(bench, a.out, ks, patterns, ["shared"] + schemes, [0.0] + [f for f in fractions if f != 0])
    parts = []
    for pattern in patterns:
        runs = [r for r in bench.rows if r["pattern"] == pattern and r["shared"] == 0]
        best = min(runs, key=lambda r: r["cloud_s"])
        parts.append(f"{pattern}: best {best['scheme']} k={best['k']} cloud {best['cloud_s']:.2f} s")
        errors = [abs(r["planner_cloud_s"] - r["cloud_s"]) / r["cloud_s"] for r in runs if r["planner_cloud_s"] and r["cloud_s"] > 0]
        if errors:
            parts.append(f"planner cloud time within {max(errors) * 100:.0f} % (mean {sum(errors) / len(errors) * 100:.0f} %)")
        shared = next(r for r in runs if r["scheme"] == "shared")
        pseudo = next((r for r in runs if r["scheme"] == "pseudo" and r["k"] == ks[-1]), None)
        if pseudo:
            parts.append(f"on-demand gain at k={ks[-1]} {shared['cloud_s'] / pseudo['cloud_s']:.2f}x")
    u = next((r for r in bench.rows if r["scheme"] == "copies-unicast" and r["k"] == ks[-1]), None)
    m = next((r for r in bench.rows if r["scheme"] == "copies-multicast" and r["k"] == ks[-1]), None)
    if u and m:
        parts.append(f"{ks[-1] - 1} copies by unicast {u['distribution_s']:.2f} s, by multicast {m['distribution_s']:.2f} s")
    print("summary_images: " + "; ".join(parts) + " (NBD readers stand in for the clones' disks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
