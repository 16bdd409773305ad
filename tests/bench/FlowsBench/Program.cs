using Jumpstart.Bench.Flows;

return await FlowsBench.RunAsync(args);
