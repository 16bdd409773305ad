namespace Jumpstart.Hostd.Vm.Bundles;

/// <summary>Why a bundle was refused.</summary>
public enum BundleProblem
{
    /// <summary>No such bundle.</summary>
    NotFound,

    /// <summary>The manifest or a part file is missing (an incomplete bundle).</summary>
    Missing,

    /// <summary>The manifest or spec is not what this version writes.</summary>
    Malformed,

    /// <summary>A part is shorter or longer than the manifest says.</summary>
    SizeMismatch,

    /// <summary>A part's SHA-256 differs from the manifest's.</summary>
    ChecksumMismatch,

    /// <summary>A format version or feature this hostd does not support.</summary>
    Unsupported,

    /// <summary>A bundle of that name exists already.</summary>
    Exists,
}
