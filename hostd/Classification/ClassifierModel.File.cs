using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Classification;

/// <summary>
/// The model file, version 1, little-endian: magic "JSCLFMDL", u16 version, u8 voting, u8 0,
/// u16 theta, u16 features, u16 classes, u16 trees; strings (u16 byte length + UTF-8): algorithm,
/// feature names, class names; per tree u32 nodes, u32 leaves, nodes (f64 threshold, i32 feature,
/// i32 child), leaves x classes f32 probabilities; then the SHA-256 of all bytes before it.
/// Loading checks the digest first (corruption), then every count and index against the limits and
/// the bytes present (hostile files), so a bad file is refused with a clear message.
/// </summary>
public sealed partial class ClassifierModel
{
    public const ushort FileVersion = 1;
    private const int HashLength = 32;
    private const int NodeBytes = 16;
    /// <summary>The fixed header after the magic: version, voting, reserved, theta and the four counts.</summary>
    private const int HeaderBytes = 12;
    private static readonly byte[] s_magic = "JSCLFMDL"u8.ToArray();

    /// <summary>Writes the model atomically (a crash leaves the old file or the new one).</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToBytes());

    /// <summary>The file's bytes.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(s_magic);
            writer.Write(FileVersion);
            writer.Write((byte)Voting);
            writer.Write((byte)0);
            writer.Write((ushort)UnknownThreshold);
            writer.Write((ushort)FeatureNames.Count);
            writer.Write((ushort)ClassNames.Count);
            writer.Write((ushort)Trees.Count);
            foreach (var text in new[] { Algorithm }.Concat(FeatureNames).Concat(ClassNames))
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                writer.Write((ushort)bytes.Length);
                writer.Write(bytes);
            }

            foreach (var tree in Trees)
            {
                writer.Write((uint)tree.NodeCount);
                writer.Write((uint)tree.LeafCount);
                foreach (var node in tree.Nodes)
                {
                    writer.Write(node.Threshold);
                    writer.Write(node.Feature);
                    writer.Write(node.Child);
                }

                for (var leaf = 0; leaf < tree.LeafCount; leaf++)
                {
                    foreach (var p in tree.LeafProbabilities(leaf))
                    {
                        writer.Write(p);
                    }
                }
            }
        }

        var body = stream.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>Loads a model file; a corrupt, truncated, foreign or hostile file throws <see cref="ClassificationDataException"/>.</summary>
    /// <remarks>Only a regular file of at most <see cref="ClassificationLimits.MaxModelFileBytes"/> is read (<see cref="BoundedFile"/>).</remarks>
    public static ClassifierModel Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = BoundedFile.ReadAllBytes(path, ClassificationLimits.MaxModelFileBytes);
        }
        catch (InputFileException ex)
        {
            throw new ClassificationDataException($"not a model file: {ex.Message}");
        }

        return FromBytes(bytes, path);
    }

    /// <summary>Parses a model file's bytes; <paramref name="source"/> names it in errors.</summary>
    public static ClassifierModel FromBytes(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < s_magic.Length + HeaderBytes + HashLength || !bytes[..s_magic.Length].SequenceEqual(s_magic))
        {
            ClassificationDataException.Throw($"{source}: not a Jumpstart classifier model (bad magic or too short)");
        }

        var body = bytes[..^HashLength];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^HashLength..]))
        {
            ClassificationDataException.Throw($"{source}: checksum mismatch (the model file is corrupted or truncated)");
        }

        var reader = new ModelReader(body, source, s_magic.Length);
        var version = reader.U16();
        if (version != FileVersion)
        {
            ClassificationDataException.Throw($"{source}: model format version {version}, this build reads version {FileVersion}");
        }

        var voting = reader.U8();
        reader.U8();
        int theta = reader.U16(), featureCount = reader.U16(), classCount = reader.U16(), treeCount = reader.U16();
        if (voting > (byte)EnsembleVoting.AverageProbabilities || featureCount is 0 or > ClassificationLimits.MaxFeatures
            || classCount is 0 or > ClassificationLimits.MaxClasses || treeCount is 0 or > ClassificationLimits.MaxTrees || theta > treeCount)
        {
            ClassificationDataException.Throw($"{source}: header out of range (voting {voting}, {featureCount} features, {classCount} classes, {treeCount} trees, theta {theta})");
        }

        var algorithm = reader.Text();
        var features = new string[featureCount];
        for (var i = 0; i < featureCount; i++)
        {
            features[i] = reader.Text();
        }

        var classes = new string[classCount];
        for (var i = 0; i < classCount; i++)
        {
            classes[i] = reader.Text();
        }

        FlowDatasetCsv.ValidateNames(features, source, "feature");
        FlowDatasetCsv.ValidateNames(classes, source, "class");
        var trees = new DecisionTree[treeCount];
        for (var t = 0; t < treeCount; t++)
        {
            trees[t] = ReadTree(ref reader, t, featureCount, classCount);
        }

        if (!reader.AtEnd)
        {
            ClassificationDataException.Throw($"{source}: {reader.Remaining} unexpected bytes after the last tree");
        }

        return new ClassifierModel(algorithm, features, classes, trees, (EnsembleVoting)voting, theta);
    }

    private static DecisionTree ReadTree(ref ModelReader reader, int t, int featureCount, int classCount)
    {
        var nodeCount = reader.U32();
        var leafCount = reader.U32();
        if (nodeCount is 0 or > ClassificationLimits.MaxNodesPerTree || leafCount is 0 || leafCount > nodeCount
            || ((long)nodeCount * NodeBytes) + ((long)leafCount * classCount * sizeof(float)) > reader.Remaining)
        {
            ClassificationDataException.Throw($"{reader.Source}: tree {t}: {nodeCount} nodes and {leafCount} leaves do not fit the file");
        }

        var nodes = new FlatNode[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            var threshold = reader.F64();
            var feature = reader.I32();
            var child = reader.I32();
            var valid = feature == -1
                ? child >= 0 && child < leafCount
                : feature >= 0 && feature < featureCount && !double.IsNaN(threshold) && child > i && child < nodeCount - 1;
            if (!valid)
            {
                ClassificationDataException.Throw($"{reader.Source}: tree {t} node {i}: feature {feature}, child {child} out of range");
            }

            nodes[i] = new FlatNode(threshold, feature, child);
        }

        var probabilities = new float[leafCount * classCount];
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = reader.F32();
            if (!(p >= 0 && p <= 1))
            {
                ClassificationDataException.Throw($"{reader.Source}: tree {t}: leaf probability {p} is not in [0, 1]");
            }

            probabilities[i] = p;
        }

        return new DecisionTree(nodes, probabilities, classCount);
    }

    /// <summary>A bounds-checked cursor over the model bytes.</summary>
    private ref struct ModelReader(ReadOnlySpan<byte> bytes, string source, int offset)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _offset = offset;

        public readonly string Source => source;

        public readonly int Remaining => _bytes.Length - _offset;

        public readonly bool AtEnd => _offset == _bytes.Length;

        public byte U8() => Take(1)[0];

        public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        public int U32()
        {
            var value = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
            return value > int.MaxValue ? int.MaxValue : (int)value;
        }

        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public double F64() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public string Text()
        {
            var length = U16();
            if (length is 0 or > ClassificationLimits.MaxNameLength)
            {
                ClassificationDataException.Throw($"{source}: a name of {length} bytes at offset {_offset} (1..{ClassificationLimits.MaxNameLength})");
            }

            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length));
            }
            catch (DecoderFallbackException)
            {
                ClassificationDataException.Throw($"{source}: a name at offset {_offset} is not UTF-8");
                return "";
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > Remaining)
            {
                ClassificationDataException.Throw($"{source}: truncated at offset {_offset} (needs {count} more bytes)");
            }

            var slice = _bytes.Slice(_offset, count);
            _offset += count;
            return slice;
        }
    }
}
