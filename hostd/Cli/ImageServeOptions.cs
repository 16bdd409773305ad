using System.Net;

namespace Jumpstart.Hostd.Cli;

/// <summary>What <c>jumpstart image serve</c> was asked to serve, and where.</summary>
public sealed record ImageServeOptions
{
    /// <summary>The raw image file to export.</summary>
    public required string File { get; init; }

    /// <summary>Export name (also the default export, selected by an empty name).</summary>
    public required string Name { get; init; }

    /// <summary>Unix socket to listen on, or null.</summary>
    public string? UnixSocket { get; init; }

    /// <summary>TCP endpoint to listen on, or null.</summary>
    public IPEndPoint? Tcp { get; init; }

    /// <summary>Accept writes (the default is a read-only export).</summary>
    public bool Writable { get; init; }

    /// <summary>Print JSON instead of text.</summary>
    public bool Json { get; init; }
}
