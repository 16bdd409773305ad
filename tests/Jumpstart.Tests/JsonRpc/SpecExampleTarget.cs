using StreamJsonRpc;

namespace Jumpstart.Tests.JsonRpc;

/// <summary>The methods used by the examples of JSON-RPC 2.0 §7, so those exchanges can be replayed byte for byte.</summary>
public sealed class SpecExampleTarget
{
    [JsonRpcMethod("subtract")]
    public int Subtract(int minuend, int subtrahend) => minuend - subtrahend;

    [JsonRpcMethod("sum")]
    public int Sum(params int[] values) => values.Sum();

    [JsonRpcMethod("update")]
    public void Update(int a, int b, int c, int d, int e) => _ = a + b + c + d + e;

    [JsonRpcMethod("notify_hello")]
    public void NotifyHello(int value) => _ = value;

    [JsonRpcMethod("notify_sum")]
    public void NotifySum(int a, int b, int c) => _ = a + b + c;

    [JsonRpcMethod("get_data")]
    public object[] GetData() => ["hello", 5];
}
