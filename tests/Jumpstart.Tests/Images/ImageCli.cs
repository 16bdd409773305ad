using Jumpstart.Hostd.Cli;

namespace Jumpstart.Tests.Images;

/// <summary>Runs the <c>jumpstart</c> CLI in-process and captures what it printed.</summary>
internal static class ImageCli
{
    public static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await JumpstartCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
