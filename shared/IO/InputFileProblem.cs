namespace Jumpstart.Shared.IO;

/// <summary>Why <see cref="BoundedFile"/> refused a file.</summary>
public enum InputFileProblem
{
    /// <summary>A directory, character device (<c>/dev/zero</c>), FIFO, socket or other kind the reader does not take.</summary>
    WrongKind,

    /// <summary>The file holds more bytes than the reader's limit (found from its size, or while reading it).</summary>
    TooLarge,
}
