"""The Dask job of the guest-image benchmark and of DaskClusterTests: a word count in the style of the
paper's MapReduce sort over the data set on the base image (/srv/jumpstart/corpus/part-NN.txt, baked
by packaging/guest/recipes/dask.yaml). Each part is counted on whichever worker runs the task, from
that worker's own disk; the counts are reduced on a worker.

    python3 dask-wordcount.py tcp://SCHEDULER:8786 WORKERS PARTS

Waits (at most 7 minutes) until the scheduler reports WORKERS workers, then prints one JSON line:
{"workers": N, "waitSeconds": S, "seconds": S, "hosts": [...], "counts": {...}, "identities": [...]}:
identities are the scheduler's and every worker's hostname, machine-id, SSH ed25519 host key and the
systemd unit the Dask process runs in (dask-scheduler/dask-worker, or dask-warm for a warm template).
Run it with Debian 12's python3-distributed, the version the Dask guest runs."""
import collections
import json
import socket
import sys
import time

from distributed import Client


def count(path):
    with open(path) as f:
        return socket.gethostname(), collections.Counter(f.read().split())


def identity():
    def first_line(path, field=None):
        try:
            with open(path) as f:
                line = f.readline().strip()
        except OSError:
            return None
        return line.split()[field] if field is not None and len(line.split()) > field else line

    unit = None
    for line in open("/proc/self/cgroup"):
        unit = line.strip().rsplit("/", 1)[-1] or unit
    return {"host": socket.gethostname(), "machineId": first_line("/etc/machine-id"),
            "sshEd25519": first_line("/etc/ssh/ssh_host_ed25519_key.pub", 1), "unit": unit}


def total(results):
    return sum((c for _, c in results), collections.Counter())


def main():
    scheduler, expected, parts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    begin = time.time()
    # The scheduler starts Python and distributed under TCG after its role arrives: keep trying to connect.
    client = Client(scheduler, timeout=400)
    deadline = begin + 420
    while len(client.scheduler_info()["workers"]) < expected:
        if time.time() > deadline:
            sys.exit("only %d of %d workers" % (len(client.scheduler_info()["workers"]), expected))
        time.sleep(0.5)
    workers = len(client.scheduler_info()["workers"])
    start = time.time()
    counted = client.map(count, ["/srv/jumpstart/corpus/part-%02d.txt" % i for i in range(parts)], pure=False)
    hosts = sorted({h for h, _ in client.gather(counted)})
    result = client.submit(total, counted).result()
    seconds = time.time() - start
    identities = [client.run_on_scheduler(identity)] + list(client.run(identity).values())
    print(json.dumps({"workers": workers, "waitSeconds": start - begin, "seconds": seconds,
                      "hosts": hosts, "counts": dict(result), "identities": identities}))


if __name__ == "__main__":
    main()
