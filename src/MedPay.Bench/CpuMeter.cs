using System.Diagnostics;

namespace MedPay.Bench;

/// <summary>CPU time used so far by this process (silo and client) and by Azurite, whose PID the run command passes.</summary>
public static class CpuMeter
{
    private static readonly int? AzuritePid =
        int.TryParse(Environment.GetEnvironmentVariable("MEDPAY_BENCH_AZURITE_PID"), out var pid) ? pid : null;

    public static (TimeSpan Self, TimeSpan? Azurite) Now()
    {
        using var self = Process.GetCurrentProcess();
        return (self.TotalProcessorTime, Azurite());
    }

    private static TimeSpan? Azurite()
    {
        if (AzuritePid is not { } pid)
        {
            return null;
        }

        try
        {
            using var azurite = Process.GetProcessById(pid);
            return azurite.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
