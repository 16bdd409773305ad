namespace Jumpstart.Hostd.Classification;

/// <summary>Bounds on every size a data set or model file can claim; larger input is refused before allocating.</summary>
public static class ClassificationLimits
{
    public const int MaxFeatures = 1024;
    public const int MaxClasses = 1024;
    public const int MaxNameLength = 256;
    public const int MaxRows = 5_000_000;
    /// <summary>Rows x features of one data set (64 M values, 512 MiB of doubles).</summary>
    public const long MaxValues = 64L * 1024 * 1024;

    public const int MaxLineLength = 64 * 1024;

    /// <summary>Most bytes read from one flow data set file (CSV): far above <see cref="MaxValues"/> written as text.</summary>
    public const long MaxDatasetFileBytes = 4L << 30;
    public const int MaxTrees = 1024;
    public const int MaxNodesPerTree = 16 * 1024 * 1024;

    /// <summary>Trees deeper than this stop growing (a guard against degenerate data, far above real depths).</summary>
    public const int MaxTreeDepth = 200;

    /// <summary>A model file larger than this is refused unread, and no more than this is read from one that grows.</summary>
    public const long MaxModelFileBytes = 1L << 30;
}
