namespace DevAddr.Cli;

/// <summary>Process exit codes of the devaddr command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int InvalidInput = 2;
    public const int Infeasible = 3;
    public const int SolverLimit = 4;
    public const int InternalError = 70;
}
