#!/usr/bin/env python3
"""Writes a bundle the verifier accepts without a VM, as tests/Jumpstart.Tests/Store/HandMadeBundle.cs does: a default
spec (every VmSpec field at its default), MIB MiB of random bytes as the migration stream, and manifest.json with their
sizes and SHA-256.   make-bundle.py DIRECTORY NAME MIB"""
import datetime
import hashlib
import json
import os
import sys

directory, name, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(directory)


def part(file, role):
    path = os.path.join(directory, file)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return {"file": file, "role": role, "size": os.path.getsize(path), "sha256": digest.hexdigest()}


with open(os.path.join(directory, "spec.json"), "w") as f:
    f.write("{}\n")
with open(os.path.join(directory, "state"), "wb") as f:
    for _ in range(mib):
        f.write(os.urandom(1 << 20))
manifest = {
    "formatVersion": 1,
    "name": name,
    "createdAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    "memoryFormat": "stream",
    "compressed": False,
    "accelerator": "tcg",
    "qemuVersion": "7.2.0",
    "parts": [part("spec.json", "spec"), part("state", "state")],
}
with open(os.path.join(directory, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2)
