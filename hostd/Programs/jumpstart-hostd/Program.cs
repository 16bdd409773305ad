using Jumpstart.Hostd.Daemon;


return await HostdCommandLine.RunAsync(args);
