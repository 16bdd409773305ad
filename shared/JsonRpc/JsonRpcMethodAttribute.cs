namespace Jumpstart.Shared.JsonRpc;

/// <summary>Names a method on the wire and chooses how its params bind.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class JsonRpcMethodAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>
    /// When true the method has one parameter and the whole params object is deserialized into it
    /// (as StreamJsonRpc's attribute of the same name): <c>{"instanceId": ...}</c> binds to a request record.
    /// </summary>
    public bool UseSingleObjectParameterDeserialization { get; init; }
}
