using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Jumpstart.Tests.Cluster;

/// <summary>
/// TCP connections made from inside a network namespace the test created, by this test process: a dedicated thread
/// enters the namespace (setns(2), CLONE_NEWNET), creates and connects the sockets, and ends. A socket belongs to the
/// namespace it was created in, so the test then uses it from any thread, with the full .NET stack (a hostile client,
/// a raw JSON-RPC join).
/// </summary>
internal static class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Connects <paramref name="count"/> sockets to <paramref name="endPoint"/> from <paramref name="ns"/>; a connection the peer refused at once is still returned.</summary>
    public static List<Socket> Connect(string ns, IPEndPoint endPoint, int count)
        => In(ns, () =>
        {
            var sockets = new List<Socket>(count);
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    sockets.Add(socket);
                    socket.Connect(endPoint);
                }

                return sockets;
            }
            catch
            {
                sockets.ForEach(s => s.Dispose());
                throw;
            }
        });

    /// <summary>Runs <paramref name="body"/> on a fresh thread inside <paramref name="ns"/> and returns its result.</summary>
    public static T In<T>(string ns, Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{ns}");
                if (SetNamespace((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = body();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException($"in namespace {ns}: {failure.Message}", failure);
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNamespace(int fd, int nstype);
}
