using System.Runtime.InteropServices;

namespace Jumpstart.Hostd.Classification;

/// <summary>One node of a flattened tree (16 bytes): a test, or a leaf when <see cref="Feature"/> is -1.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct FlatNode(double Threshold, int Feature, int Child);
