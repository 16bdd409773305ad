namespace Jumpstart.Bench.JsonRpc;

/// <summary>One client implementation against one server implementation.</summary>
public sealed record PairResult(string Client, string Server, PhaseResult Sequential, PhaseResult Concurrent)
{
    /// <summary>Key prefix, e.g. <c>ours-vscode</c> = our client against vscode-jsonrpc's server.</summary>
    public string Name => $"{Client}-{Server}";
}
