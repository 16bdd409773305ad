using System.Reflection;
using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc.Dispatch;

/// <summary>
/// One method reachable from the wire: a target (or delegate) method, how its params bind and how
/// its result comes back. Built once at registration; reflection is not repeated per call beyond Invoke.
/// </summary>
internal sealed partial class RpcMethod
{
    private readonly object? _target;
    private readonly MethodInfo _method;
    private readonly ParameterInfo[] _parameters;
    private readonly bool _singleObject;
    private readonly Type? _paramArrayElement;
    private readonly ResultKind _resultKind;
    private readonly PropertyInfo? _taskResult;
    private readonly MethodInfo? _valueTaskAsTask;

    private RpcMethod(string name, object? target, MethodInfo method, bool singleObject)
    {
        Name = name;
        _target = target;
        _method = method;
        _singleObject = singleObject;

        var parameters = method.GetParameters();
        TakesCancellation = parameters.Length > 0 && parameters[^1].ParameterType == typeof(CancellationToken);
        _parameters = TakesCancellation ? parameters[..^1] : parameters;
        if (_parameters.Length > 0 && _parameters[^1].IsDefined(typeof(ParamArrayAttribute)))
        {
            _paramArrayElement = _parameters[^1].ParameterType.GetElementType();
        }

        (_resultKind, ResultType) = Classify(method.ReturnType);
        if (_resultKind == ResultKind.TaskOfT)
        {
            _taskResult = method.ReturnType.GetProperty(nameof(Task<int>.Result));
        }
        else if (_resultKind == ResultKind.ValueTaskOfT)
        {
            _valueTaskAsTask = method.ReturnType.GetMethod(nameof(ValueTask<int>.AsTask));
            _taskResult = typeof(Task<>).MakeGenericType(ResultType).GetProperty(nameof(Task<int>.Result));
        }
    }

    /// <summary>The wire name.</summary>
    public string Name { get; }

    /// <summary>The method's last parameter is a <see cref="CancellationToken"/> fed by <c>$/cancelRequest</c>.</summary>
    public bool TakesCancellation { get; }

    /// <summary>The declared type of the result, for serialization (<see cref="object"/> when there is none).</summary>
    public Type ResultType { get; }

    /// <summary>Binds <paramref name="method"/>; throws <see cref="ArgumentException"/> when it cannot be called from the wire.</summary>
    public static RpcMethod Create(string name, object? target, MethodInfo method, bool singleObject)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("a JSON-RPC method name must not be empty", nameof(name));
        }

        if (!IsBindable(method, out var reason))
        {
            throw new ArgumentException($"method {method.DeclaringType?.Name}.{method.Name} cannot be bound to '{name}': {reason}", nameof(method));
        }

        var bound = new RpcMethod(name, target, method, singleObject);
        if (singleObject && bound._parameters.Length != 1)
        {
            throw new ArgumentException($"method {method.Name} uses single-object parameter deserialization but has {bound._parameters.Length} parameters; it needs exactly one", nameof(method));
        }

        return bound;
    }

    /// <summary>False, with a reason, for methods no JSON params can call: generic, by-ref or pointer parameters.</summary>
    public static bool IsBindable(MethodInfo method, out string reason)
    {
        if (method.ContainsGenericParameters)
        {
            reason = "generic methods are not supported";
            return false;
        }

        foreach (var parameter in method.GetParameters())
        {
            if (parameter.ParameterType.IsByRef || parameter.ParameterType.IsPointer || parameter.ParameterType.IsByRefLike)
            {
                reason = $"parameter '{parameter.Name}' is by-ref or a pointer";
                return false;
            }
        }

        reason = "";
        return true;
    }

    /// <summary>Calls the method and waits for its result, unwrapped from any task.</summary>
    public async ValueTask<object?> InvokeAsync(object?[] arguments)
    {
        var returned = _method.Invoke(_target, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        switch (_resultKind)
        {
            case ResultKind.Void:
                return null;
            case ResultKind.Value:
                return returned;
            case ResultKind.Task:
                await ((Task)returned!).ConfigureAwait(false);
                return null;
            case ResultKind.TaskOfT:
                await ((Task)returned!).ConfigureAwait(false);
                return _taskResult!.GetValue(returned);
            case ResultKind.ValueTask:
                await ((ValueTask)returned!).ConfigureAwait(false);
                return null;
            default:
                var task = (Task)_valueTaskAsTask!.Invoke(returned, null)!;
                await task.ConfigureAwait(false);
                return _taskResult!.GetValue(task);
        }
    }

    private static (ResultKind Kind, Type ResultType) Classify(Type returnType)
    {
        if (returnType == typeof(void))
        {
            return (ResultKind.Void, typeof(object));
        }

        if (returnType == typeof(Task))
        {
            return (ResultKind.Task, typeof(object));
        }

        if (returnType == typeof(ValueTask))
        {
            return (ResultKind.ValueTask, typeof(object));
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return (ResultKind.TaskOfT, returnType.GetGenericArguments()[0]);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return (ResultKind.ValueTaskOfT, returnType.GetGenericArguments()[0]);
        }

        return (ResultKind.Value, returnType);
    }

    private object? DefaultFor(ParameterInfo parameter)
    {
        if (_paramArrayElement is not null && parameter == _parameters[^1])
        {
            return Array.CreateInstance(_paramArrayElement, 0);
        }

        if (parameter.HasDefaultValue && parameter.DefaultValue is not null)
        {
            return parameter.DefaultValue;
        }

        return parameter.ParameterType.IsValueType ? Activator.CreateInstance(parameter.ParameterType) : null;
    }

    private static object? Deserialize(JsonElement value, ParameterInfo parameter, JsonSerializerOptions options)
        => DeserializeElement(value, parameter.ParameterType, parameter.Name, options);

    private static object? DeserializeElement(JsonElement value, Type type, string? name, JsonSerializerOptions options)
    {
        try
        {
            return value.Deserialize(type, options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw new InvalidParamsException($"parameter '{name}' could not be read as {type.Name}: {ex.Message}", ex);
        }
    }
}
