using System.Buffers.Binary;
using System.Security.Cryptography;
using Jumpstart.Hostd.Classification;
using Jumpstart.Tests.Support;
using Xunit;

namespace Jumpstart.Tests.Classification;

[Trait(Capabilities.Trait, Capabilities.Classifier)]
public sealed class ModelFileTests
{
    private static readonly FlowDataset s_data = SyntheticFlows.Make(perClass: 60, seed: 2);
    private static readonly ClassifierModel s_model = new CoForestLearner(new CoForestOptions { UnknownThreshold = 4 }).Train(s_data, SyntheticFlows.Make(60, seed: 2, sample: 1), 1).Final;

    [Fact]
    public void SaveAndLoad_RoundTrip_GivesTheSameAnswersForEveryFlow()
    {
        using var temp = new TempDirectory("classify-model");
        s_model.Save(temp.Combine("m.model"));

        var loaded = ClassifierModel.Load(temp.Combine("m.model"));

        Assert.Equal(s_model.ToBytes(), loaded.ToBytes());
        Assert.Equal(("co-forest", EnsembleVoting.Majority, 4), (loaded.Algorithm, loaded.Voting, loaded.UnknownThreshold));
        Assert.Equal(s_data.FeatureNames, loaded.FeatureNames);
        Assert.Equal(s_data.ClassNames, loaded.ClassNames);
        Assert.All(Enumerable.Range(0, s_data.Count), i => Assert.Equal(s_model.Predict(s_data.Row(i)), loaded.Predict(s_data.Row(i))));
    }

    [Fact]
    public void Load_OfEveryTruncation_IsRefusedWithAClearError()
    {
        var bytes = s_model.ToBytes();
        for (var length = 0; length < bytes.Length; length += Math.Max(1, bytes.Length / 400))
        {
            var error = Assert.Throws<ClassificationDataException>(() => ClassifierModel.FromBytes(bytes.AsSpan(0, length), "m"));
            Assert.StartsWith("m: ", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_WithAFlippedBit_IsRefusedAsCorrupted()
    {
        var bytes = s_model.ToBytes();
        for (var offset = 8; offset < bytes.Length; offset += 97)
        {
            var copy = (byte[])bytes.Clone();
            copy[offset] ^= 0x10;
            var error = Assert.Throws<ClassificationDataException>(() => ClassifierModel.FromBytes(copy, "m"));
            Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_OfAForeignFile_SaysItIsNotAModel()
    {
        var error = Assert.Throws<ClassificationDataException>(() => ClassifierModel.FromBytes("min_fpktl,mean_fpktl,class\n1,2,x\n"u8.ToArray().Concat(new byte[64]).ToArray(), "m"));

        Assert.Contains("not a Jumpstart classifier model", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, byte[]> HostileEdits => new()
    {
        { "a newer format version", 8, [2, 0] },
        { "theta above the tree count", 12, [200, 0] },
        { "zero features", 14, [0, 0] },
        { "65535 trees", 18, [255, 255] },
    };

    [Theory]
    [MemberData(nameof(HostileEdits))]
    public void Load_OfAHostileHeaderWithAValidChecksum_IsRefused(string what, int offset, byte[] value)
    {
        var error = Assert.Throws<ClassificationDataException>(() => ClassifierModel.FromBytes(Resign(s_model.ToBytes(), offset, value), "m"));

        Assert.False(string.IsNullOrEmpty(error.Message), what);
    }

    [Fact]
    public void Load_OfATreeClaimingMillionsOfNodes_IsRefusedBeforeAllocating()
    {
        var bytes = s_model.ToBytes();
        var firstTree = FirstTreeOffset(bytes);
        var edit = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(edit, 16_000_000);

        var error = Assert.Throws<ClassificationDataException>(() => ClassifierModel.FromBytes(Resign(bytes, firstTree, edit), "m"));

        Assert.Contains("do not fit the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OfANodePointingBackwards_IsRefused()
    {
        var bytes = s_model.ToBytes();
        var root = FirstTreeOffset(bytes) + 8;
        var edit = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(edit, 0);

        // The root's child pointing at the root itself would loop forever.
        var error = Assert.Throws<ClassificationDataException>(() => ClassifierModel.FromBytes(Resign(bytes, root + 12, edit), "m"));

        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Resign(byte[] bytes, int offset, byte[] value)
    {
        var body = bytes[..^32];
        value.CopyTo(body, offset);
        return [.. body, .. SHA256.HashData(body)];
    }

    private static int FirstTreeOffset(byte[] bytes)
    {
        var offset = 20;
        var names = 1 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(14)) + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(16));
        for (var i = 0; i < names; i++)
        {
            offset += 2 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(offset));
        }

        return offset;
    }
}
