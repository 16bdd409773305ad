using System.Globalization;
using Jumpstart.Shared.IO;

namespace Jumpstart.Hostd.Classification;

/// <summary>
/// Reads and writes flow feature files: a header of feature names plus a <c>class</c> column
/// (optional when reading unlabeled flows), then one flow per line, numbers in invariant culture.
/// No quoting: names and labels may not contain commas. Every size is bounded
/// (<see cref="ClassificationLimits"/>); a malformed line is refused with its line number.
/// </summary>
public static class FlowDatasetCsv
{
    public const string ClassColumn = "class";

    /// <summary>Loads a file. Class names are taken in order of first appearance unless <paramref name="classNames"/> fixes them.</summary>
    /// <remarks>Only a regular file is read, and at most <see cref="ClassificationLimits.MaxDatasetFileBytes"/> of it.</remarks>
    public static FlowDataset Load(string path, IReadOnlyList<string>? classNames = null)
    {
        try
        {
            using var reader = new StreamReader(BoundedFile.OpenRead(path, ClassificationLimits.MaxDatasetFileBytes));
            return Read(reader, path, classNames);
        }
        catch (InputFileException ex)
        {
            throw new ClassificationDataException($"not a flow data set: {ex.Message}");
        }
    }

    /// <summary>Parses CSV text; <paramref name="source"/> names it in errors.</summary>
    public static FlowDataset Read(TextReader reader, string source, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = ReadBoundedLine(reader, source, 1) ?? throw new ClassificationDataException($"{source}: empty file (no header)");
        var columns = header.Split(',').Select(c => c.Trim()).ToArray();
        if (columns.Length > ClassificationLimits.MaxFeatures + 1)
        {
            ClassificationDataException.Throw($"{source}: {columns.Length} columns (at most {ClassificationLimits.MaxFeatures + 1})");
        }

        var classColumn = Array.FindIndex(columns, c => string.Equals(c, ClassColumn, StringComparison.OrdinalIgnoreCase));
        var featureNames = columns.Where((_, i) => i != classColumn).ToArray();
        ValidateNames(featureNames, source, "feature");
        if (featureNames.Length == 0)
        {
            ClassificationDataException.Throw($"{source}: no feature columns");
        }

        var classes = new List<string>(classNames ?? []);
        var classIndex = classes.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var fixedClasses = classNames is not null;
        var features = new List<double>();
        var labels = new List<int>();
        var lineNumber = 1;
        while (ReadBoundedLine(reader, source, ++lineNumber) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (labels.Count >= ClassificationLimits.MaxRows || (long)(labels.Count + 1) * featureNames.Length > ClassificationLimits.MaxValues)
            {
                ClassificationDataException.Throw($"{source}: more than {ClassificationLimits.MaxRows} rows or {ClassificationLimits.MaxValues} values");
            }

            var fields = line.Split(',');
            if (fields.Length != columns.Length)
            {
                ClassificationDataException.Throw($"{source}:{lineNumber}: {fields.Length} fields, the header has {columns.Length}");
            }

            var label = -1;
            for (var c = 0; c < fields.Length; c++)
            {
                var field = fields[c].Trim();
                if (c == classColumn)
                {
                    label = LabelOf(field, classes, classIndex, fixedClasses, source, lineNumber);
                    continue;
                }

                if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    ClassificationDataException.Throw($"{source}:{lineNumber}: column '{columns[c]}' is not a finite number: '{Truncate(field)}'");
                }

                features.Add(value);
            }

            labels.Add(label);
        }

        return new FlowDataset(featureNames, classes, [.. features], [.. labels]);
    }

    /// <summary>Writes <paramref name="data"/> with a class column (empty for unlabeled rows).</summary>
    public static void Write(FlowDataset data, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(string.Join(',', data.FeatureNames));
        writer.Write(',');
        writer.Write(ClassColumn);
        writer.Write('\n');
        WriteRows(data, writer, "");
    }

    /// <summary>One line per row: the values (round-trip precision), then the class name or <paramref name="missingLabel"/>.</summary>
    internal static void WriteRows(FlowDataset data, TextWriter writer, string missingLabel)
    {
        for (var i = 0; i < data.Count; i++)
        {
            foreach (var value in data.Row(i))
            {
                writer.Write(value.ToString("R", CultureInfo.InvariantCulture));
                writer.Write(',');
            }

            writer.Write(data.Labels[i] >= 0 ? data.ClassNames[data.Labels[i]] : missingLabel);
            writer.Write('\n');
        }
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/>.</summary>
    public static void Save(FlowDataset data, string path)
    {
        using var writer = new StreamWriter(path);
        Write(data, writer);
    }

    internal static void ValidateNames(IReadOnlyCollection<string> names, string source, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name.Length == 0 || name.Length > ClassificationLimits.MaxNameLength || name.Contains(',', StringComparison.Ordinal))
            {
                ClassificationDataException.Throw($"{source}: bad {what} name '{Truncate(name)}' (1..{ClassificationLimits.MaxNameLength} characters, no comma)");
            }

            if (!seen.Add(name))
            {
                ClassificationDataException.Throw($"{source}: {what} '{name}' appears twice");
            }
        }
    }

    private static int LabelOf(string field, List<string> classes, Dictionary<string, int> classIndex, bool fixedClasses, string source, int lineNumber)
    {
        if (field.Length == 0 || field == "?")
        {
            return -1;
        }

        if (classIndex.TryGetValue(field, out var known))
        {
            return known;
        }

        if (fixedClasses)
        {
            ClassificationDataException.Throw($"{source}:{lineNumber}: class '{Truncate(field)}' is not one of the model's classes");
        }

        if (classes.Count >= ClassificationLimits.MaxClasses || field.Length > ClassificationLimits.MaxNameLength)
        {
            ClassificationDataException.Throw($"{source}:{lineNumber}: too many classes or class name too long");
        }

        classIndex[field] = classes.Count;
        classes.Add(field);
        return classes.Count - 1;
    }

    private static string? ReadBoundedLine(TextReader reader, string source, int lineNumber)
    {
        var builder = new System.Text.StringBuilder();
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                return builder.Length == 0 ? null : builder.ToString();
            }

            if (c == '\n')
            {
                return builder.ToString().TrimEnd('\r');
            }

            if (builder.Length >= ClassificationLimits.MaxLineLength)
            {
                ClassificationDataException.Throw($"{source}:{lineNumber}: line longer than {ClassificationLimits.MaxLineLength} characters");
            }

            builder.Append((char)c);
        }
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
