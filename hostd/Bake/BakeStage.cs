using System.Text;

namespace Jumpstart.Hostd.Bake;

/// <summary>
/// The stage directory the customize hook reads: <c>customize</c> (the hook, <see cref="BakeHookScript"/>),
/// <c>files/</c> (the image's base files, then the recipe's, at their destinations with their modes),
/// <c>commands/NNNN</c> (one NUL-separated argument vector each) and <c>out/</c> (what the hook hands back: GRUB's
/// boot and core images, the kernel and initramfs).
/// </summary>
public static class BakeStage
{
    /// <summary>guestd's settings in a baked image: markers on the console (the serial port), discs polled every 100 ms.</summary>
    public const string GuestdSettings = """
        {
          "Logging": {
            "LogLevel": {
              "Default": "Information",
              "Microsoft": "Warning"
            }
          },
          "Guestd": {
            "Devices": [ "/dev/sr0", "/dev/sr1" ],
            "PollIntervalMs": 100,
            "StateDirectory": "/var/lib/jumpstart/guestd",
            "SelfTimeoutSeconds": 300,
            "CmsRetrySeconds": 120,
            "RoleWaitSeconds": 600,
            "ConsoleDevice": "/dev/console"
          }
        }

        """;

    public static async Task WriteAsync(string stage, BakeRecipe recipe, CancellationToken cancellationToken)
    {
        var files = Path.Combine(stage, "files");
        var commands = Path.Combine(stage, "commands");
        Directory.CreateDirectory(files);
        Directory.CreateDirectory(commands);
        Directory.CreateDirectory(Path.Combine(stage, "out"));

        var hook = Path.Combine(stage, BakeHookScript.FileName);
        await File.WriteAllTextAsync(hook, BakeHookScript.Text.ReplaceLineEndings("\n") + "\n", cancellationToken);
        SetMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var guestd = Target(files, "/etc/jumpstart/guestd.json");
        await File.WriteAllTextAsync(guestd, GuestdSettings.ReplaceLineEndings("\n"), cancellationToken);
        SetMode(guestd, (UnixFileMode)Convert.ToInt32("644", 8));

        foreach (var file in recipe.Files)
        {
            var target = Target(files, file.Destination);
            File.Copy(file.Source, target, overwrite: true);
            SetMode(target, file.Mode);
        }

        for (var i = 0; i < recipe.Commands.Count; i++)
        {
            var argv = new StringBuilder();
            foreach (var argument in recipe.Commands[i])
            {
                argv.Append(argument).Append('\0');
            }

            await File.WriteAllTextAsync(Path.Combine(commands, (i + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture)), argv.ToString(), cancellationToken);
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    // Destinations are absolute and normalized (BakeRecipeReader), so the path stays under files/.
    private static string Target(string files, string destination)
    {
        var target = Path.Combine(files, destination.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return target;
    }
}
