namespace Jumpstart.Hostd.Images.Distribution;

/// <summary>A multicast transfer failed, or a receiver did not get the whole file.</summary>
public class MulticastException(string message, Exception? innerException = null) : Exception(message, innerException);
