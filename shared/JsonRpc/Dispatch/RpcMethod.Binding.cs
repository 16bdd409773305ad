using System.Reflection;
using System.Text.Json;

namespace Jumpstart.Shared.JsonRpc.Dispatch;

/// <summary>Params binding: JSON-RPC 2.0 §4.2 by-position (array) and by-name (object).</summary>
internal sealed partial class RpcMethod
{
    /// <summary>
    /// Turns a request's params into the method's argument list, with <paramref name="cancellationToken"/>
    /// appended when the method takes one.
    /// </summary>
    /// <exception cref="InvalidParamsException">The params do not fit.</exception>
    public object?[] BindArguments(JsonElement parameters, CancellationToken cancellationToken, JsonSerializerOptions options)
    {
        var arguments = new object?[_parameters.Length + (TakesCancellation ? 1 : 0)];
        if (_singleObject)
        {
            arguments[0] = BindSingleObject(parameters, options);
        }
        else
        {
            switch (parameters.ValueKind)
            {
                case JsonValueKind.Array:
                    BindPositional(parameters, arguments, options);
                    break;
                case JsonValueKind.Object:
                    BindNamed(parameters, arguments, options);
                    break;
                default:
                    BindDefaults(0, arguments);
                    break;
            }
        }

        if (TakesCancellation)
        {
            arguments[^1] = cancellationToken;
        }

        return arguments;
    }

    private object? BindSingleObject(JsonElement parameters, JsonSerializerOptions options)
    {
        var parameter = _parameters[0];
        return parameters.ValueKind switch
        {
            JsonValueKind.Object => Deserialize(parameters, parameter, options),

            // StreamJsonRpc also accepts the object wrapped in a one-element array.
            JsonValueKind.Array when parameters.GetArrayLength() == 1 => Deserialize(parameters[0], parameter, options),
            JsonValueKind.Undefined when parameter.IsOptional => DefaultFor(parameter),
            _ => throw new InvalidParamsException($"method '{Name}' takes one params object"),
        };
    }

    private void BindPositional(JsonElement parameters, object?[] arguments, JsonSerializerOptions options)
    {
        var count = parameters.GetArrayLength();
        // [1,2,4] fills "params int[] values"; [[1,2,4]] passes the array itself, as C# would.
        if (_paramArrayElement is not null && count >= _parameters.Length - 1
            && !(count == _parameters.Length && parameters[count - 1].ValueKind == JsonValueKind.Array))
        {
            BindParamArray(parameters, arguments, options);
            return;
        }

        if (count > _parameters.Length)
        {
            throw new InvalidParamsException($"method '{Name}' takes at most {_parameters.Length} parameters, got {count}");
        }

        var index = 0;
        foreach (var value in parameters.EnumerateArray())
        {
            arguments[index] = Deserialize(value, _parameters[index], options);
            index++;
        }

        BindDefaults(index, arguments);
    }

    /// <summary>A C# <c>params</c> array takes the trailing positional values, one element each.</summary>
    private void BindParamArray(JsonElement parameters, object?[] arguments, JsonSerializerOptions options)
    {
        var fixedCount = _parameters.Length - 1;
        var rest = Array.CreateInstance(_paramArrayElement!, parameters.GetArrayLength() - fixedCount);
        var index = 0;
        foreach (var value in parameters.EnumerateArray())
        {
            if (index < fixedCount)
            {
                arguments[index] = Deserialize(value, _parameters[index], options);
            }
            else
            {
                rest.SetValue(DeserializeElement(value, _paramArrayElement!, _parameters[^1].Name, options), index - fixedCount);
            }

            index++;
        }

        arguments[fixedCount] = rest;
    }

    private void BindNamed(JsonElement parameters, object?[] arguments, JsonSerializerOptions options)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            if (TryGetMember(parameters, parameter.Name!, out var value))
            {
                arguments[i] = Deserialize(value, parameter, options);
            }
            else
            {
                arguments[i] = DefaultOrMissing(parameter);
            }
        }
    }

    private void BindDefaults(int from, object?[] arguments)
    {
        for (var i = from; i < _parameters.Length; i++)
        {
            arguments[i] = DefaultOrMissing(_parameters[i]);
        }
    }

    private object? DefaultOrMissing(ParameterInfo parameter)
        => parameter.IsOptional || (_paramArrayElement is not null && parameter == _parameters[^1])
            ? DefaultFor(parameter)
            : throw new InvalidParamsException($"method '{Name}' requires parameter '{parameter.Name}'");

    /// <summary>Exact name first (the common case), then case-insensitive so PascalCase peers bind too.</summary>
    private static bool TryGetMember(JsonElement parameters, string name, out JsonElement value)
    {
        if (parameters.TryGetProperty(name, out value))
        {
            return true;
        }

        foreach (var member in parameters.EnumerateObject())
        {
            if (string.Equals(member.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = member.Value;
                return true;
            }
        }

        return false;
    }
}
