using System.Reflection;

namespace Jumpstart.Shared.JsonRpc.Dispatch;

/// <summary>The methods one connection answers, by wire name.</summary>
internal sealed class MethodTable
{
    private const string AsyncSuffix = "Async";

    private readonly Dictionary<string, RpcMethod> _methods = new(StringComparer.Ordinal);

    public bool TryGet(string name, out RpcMethod method) => _methods.TryGetValue(name, out method!);

    /// <summary>
    /// Adds the public instance methods of <paramref name="target"/>, except those of <see cref="object"/>,
    /// property accessors and Dispose/DisposeAsync; unbindable methods are skipped unless they carry
    /// <see cref="JsonRpcMethodAttribute"/>, in which case registration fails loudly.
    /// </summary>
    public void AddTarget(object target)
    {
        ArgumentNullException.ThrowIfNull(target);
        foreach (var method in target.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.DeclaringType == typeof(object) || method.IsSpecialName || IsDisposeMethod(method))
            {
                continue;
            }

            var attribute = method.GetCustomAttribute<JsonRpcMethodAttribute>();
            if (attribute is null && !RpcMethod.IsBindable(method, out _))
            {
                continue;
            }

            var name = attribute?.Name ?? WireName(method.Name);
            Add(RpcMethod.Create(name, target, method, attribute?.UseSingleObjectParameterDeserialization ?? false));
        }
    }

    public void AddDelegate(string name, Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var attribute = handler.Method.GetCustomAttribute<JsonRpcMethodAttribute>();
        Add(RpcMethod.Create(name, handler.Target, handler.Method, attribute?.UseSingleObjectParameterDeserialization ?? false));
    }

    private void Add(RpcMethod method)
    {
        if (!_methods.TryAdd(method.Name, method))
        {
            throw new ArgumentException($"JSON-RPC method '{method.Name}' is already bound; overloads are not supported");
        }
    }

    private static string WireName(string name)
        => name.Length > AsyncSuffix.Length && name.EndsWith(AsyncSuffix, StringComparison.Ordinal) ? name[..^AsyncSuffix.Length] : name;

    private static bool IsDisposeMethod(MethodInfo method)
        => method.GetParameters().Length == 0
           && ((method.Name == nameof(IDisposable.Dispose) && typeof(IDisposable).IsAssignableFrom(method.DeclaringType))
               || (method.Name == nameof(IAsyncDisposable.DisposeAsync) && typeof(IAsyncDisposable).IsAssignableFrom(method.DeclaringType)));
}
