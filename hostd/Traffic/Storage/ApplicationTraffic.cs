namespace Jumpstart.Hostd.Traffic.Storage;

/// <summary>Stored traffic of one application (the classifier's label) on one VM.</summary>
/// <param name="Vm">The VM whose tap the flows were captured on (null: a configured interface without a VM).</param>
/// <param name="Application">The label; <c>unknown</c> when the model was unsure, <c>unlabelled</c> when no model saw the flow.</param>
/// <param name="Flows">Stored flows.</param>
/// <param name="Packets">Packets in both directions.</param>
/// <param name="Bytes">Bytes in both directions (whole frames, wire lengths).</param>
public sealed record ApplicationTraffic(string? Vm, string Application, long Flows, long Packets, long Bytes);
