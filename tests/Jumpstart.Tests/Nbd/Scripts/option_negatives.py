"""Option-phase and transmission negatives against a Jumpstart NBD server, with libnbd as the client.

Usage: /usr/bin/python3 option_negatives.py SOCKET EXPORT SIZE PATTERN_OFFSET PATTERN_BYTE
Prints one 'PASS <check>' line per check; any failed check raises (non-zero exit).
"""
import errno
import sys

import nbd

socket_path, export, size, pattern_offset, pattern_byte = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])


def connect(opt_mode=True, tls=nbd.TLS_DISABLE, name=export):
    h = nbd.NBD()
    h.set_tls(tls)
    h.set_opt_mode(opt_mode)
    h.set_export_name(name)
    h.add_meta_context("base:allocation")
    h.connect_unix(socket_path)
    return h


def passed(check):
    print("PASS " + check, flush=True)


# Unknown export: NBD_OPT_GO answers ERR_UNKNOWN (an error, not a dropped connection); GO on a real one still works.
h = connect(name="no-such-export")
try:
    h.opt_go()
    raise AssertionError("GO of an unknown export succeeded")
except nbd.Error:
    pass
h.set_export_name(export)
h.opt_go()
assert h.get_size() == size, h.get_size()
passed("unknown-export-then-go")

# STARTTLS is answered ERR_UNSUP: with TLS_ALLOW libnbd asks for it, is refused, and goes on in plain text.
h = connect(opt_mode=False, tls=nbd.TLS_ALLOW)
assert not h.get_tls_negotiated()
assert h.pread(1, pattern_offset) == bytes([pattern_byte])
passed("starttls-unsupported-then-plain")

# NBD_OPT_LIST: the export is listed with its description.
h = connect()
names = []
h.opt_list(lambda name, description: names.append((name, description)) or 0)
assert (export, "test image") in names, names
passed("opt-list")

# NBD_OPT_INFO: size and block sizes without entering transmission; then ABORT.
h = connect()
h.set_full_info(True)
h.opt_info()
assert h.get_size() == size
assert h.get_block_size(nbd.SIZE_PREFERRED) == 4096
assert h.get_block_size(nbd.SIZE_MAXIMUM) == 32 * 1024 * 1024
assert h.get_canonical_export_name() == export
assert h.get_export_description() == "test image"
h.opt_abort()
passed("opt-info")

# LIST_META_CONTEXT: "base:allocation" is listed for a namespace query and for no query at all.
for queries in (["base:"], []):
    h = nbd.NBD()
    h.set_opt_mode(True)
    h.set_export_name(export)
    for q in queries:
        h.add_meta_context(q)
    h.connect_unix(socket_path)
    contexts = []
    h.opt_list_meta_context(lambda name: contexts.append(name) or 0)
    assert contexts == ["base:allocation"], (queries, contexts)
    h.opt_abort()
passed("list-meta-context")

# BLOCK_STATUS: the pattern region is data, the region after 2 MiB a hole; REQ_ONE returns one extent.
h = connect(opt_mode=False)
assert h.can_meta_context("base:allocation")
seen = []
h.block_status(4 * 1024 * 1024, 0, lambda ctx, offset, entries, err: seen.append((ctx, list(entries))) or 0)
ctx, entries = seen[0]
assert ctx == "base:allocation"
assert entries[0:2] == [2 * 1024 * 1024, 0], entries
assert entries[2:4] == [2 * 1024 * 1024, 3], entries
one = []
h.block_status(4 * 1024 * 1024, 0, lambda ctx, offset, entries, err: one.append(list(entries)) or 0, nbd.CMD_FLAG_REQ_ONE)
assert len(one[0]) == 2, one
passed("block-status")

# WRITE to a read-only export: EPERM, and the connection stays usable.
h.set_strict_mode(0)
try:
    h.pwrite(b"x" * 512, 0)
    raise AssertionError("write to a read-only export succeeded")
except nbd.Error as e:
    assert e.errnum == errno.EPERM, e
assert h.pread(1, pattern_offset) == bytes([pattern_byte])
passed("write-readonly-eperm")

# READ past the end (strict bounds off so the request reaches the server): EINVAL, connection usable.
try:
    h.pread(512, size - 256)
    raise AssertionError("read past the end succeeded")
except nbd.Error as e:
    assert e.errnum == errno.EINVAL, e
assert h.pread(513, pattern_offset + 7) == bytes([pattern_byte]) * 513
passed("read-past-end-einval")
h.shutdown()
