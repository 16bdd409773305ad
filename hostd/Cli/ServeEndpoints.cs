using System.Net;

namespace Jumpstart.Hostd.Cli;

/// <summary>Where a foreground <c>jumpstart image serve</c> listens, under which export name, and how it prints.</summary>
/// <param name="Name">Export name (also the default export).</param>
/// <param name="UnixSocket">Unix socket path, or null.</param>
/// <param name="Tcp">TCP endpoint, or null.</param>
/// <param name="Json">Print JSON instead of text lines.</param>
public sealed record ServeEndpoints(string Name, string? UnixSocket, IPEndPoint? Tcp, bool Json);
