using Jumpstart.Guestd.Daemon;

// Thin entry point: the command line and the service live in the library (Daemon/).
return await GuestdCommandLine.RunAsync(args);
