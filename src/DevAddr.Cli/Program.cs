using DevAddr.Cli;

return DevAddrCli.Run(args);
