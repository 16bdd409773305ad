namespace Jumpstart.Tests.Traffic;

/// <summary>
/// The peer side of the namespace traffic tests: one Python process (Debian's /usr/bin/python3)
/// with an HTTP server (<see cref="HttpPort"/>), a TCP sink (<see cref="SinkPort"/>), a DNS-shaped
/// UDP responder on port 53 and a UDP echo (<see cref="EchoPort"/>). Prints "ready" when listening.
/// </summary>
public static class NamespaceResponders
{
    public const int HttpPort = 8080;
    public const int SinkPort = 5001;
    public const int DnsPort = 53;
    public const int EchoPort = 9999;

    public const string Script = """
        import socket, threading, http.server, functools, sys
        addr = sys.argv[1]
        def sink():
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, 5001)); s.listen(8)
            while True:
                c, _ = s.accept()
                while c.recv(1 << 16): pass
                c.close()
        def udp(port, reply):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, port))
            while True:
                d, peer = s.recvfrom(65535); s.sendto(reply(d), peer)
        # A DNS-shaped answer: the query with QR set and one A record appended (RFC 1035 section 4.1).
        dns = lambda q: q[:2] + b'\x81\x80' + q[4:6] + b'\x00\x01' + q[8:] + b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x0a\x00\x00\x01'
        for target in (sink, lambda: udp(53, dns), lambda: udp(9999, lambda d: d * 2)):
            threading.Thread(target=target, daemon=True).start()
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory='.')
        server = http.server.ThreadingHTTPServer((addr, 8080), handler)
        print('ready', flush=True)
        server.serve_forever()
        """;
}
