"""Two pipelined reads whose replies must come back out of order, with libnbd as the client.

Usage: /usr/bin/python3 out_of_order.py SOCKET EXPORT SLOW_OFFSET FAST_OFFSET LENGTH PATTERN_BYTE STRUCTURED(0|1) SIGNAL_FILE
The read at SLOW_OFFSET is sent first and the server holds it until the test sees SIGNAL_FILE, which this script
creates once the read at FAST_OFFSET (sent second) has completed while the first is still outstanding. Prints
'PASS <check>' lines; anything else raises (non-zero exit).
"""
import sys

import nbd

socket_path, export = sys.argv[1], sys.argv[2]
slow_offset, fast_offset, length, pattern = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
structured, signal_file = sys.argv[7] == "1", sys.argv[8]

h = nbd.NBD()
h.set_request_structured_replies(structured)
h.set_export_name(export)
h.connect_unix(socket_path)
if h.get_structured_replies_negotiated() != structured:
    raise AssertionError("structured replies negotiated: %s, wanted %s" % (h.get_structured_replies_negotiated(), structured))

slow_buffer, fast_buffer = nbd.Buffer(length), nbd.Buffer(length)
slow = h.aio_pread(slow_buffer, slow_offset)
fast = h.aio_pread(fast_buffer, fast_offset)
while not h.aio_command_completed(fast):
    h.poll(-1)
if h.aio_command_completed(slow):
    raise AssertionError("the first read completed before the second")
print("PASS second-reply-first", flush=True)

open(signal_file, "w").close()
while not h.aio_command_completed(slow):
    h.poll(-1)
print("PASS first-reply-after", flush=True)

expected = bytes([pattern]) * length
if bytes(slow_buffer.to_bytearray()) != expected or bytes(fast_buffer.to_bytearray()) != expected:
    raise AssertionError("a reply carried the wrong bytes")
print("PASS data", flush=True)
h.shutdown()
