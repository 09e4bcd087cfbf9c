using MedPay.Contracts;

namespace MedPay.Api;

/// <summary>
/// Every operator action is recorded in the day's audit trail with the operator's subject and name, the time, what is
/// to change and the reason, before it is carried out; its outcome is added after.
/// </summary>
public static class OperatorActions
{
    public static async Task<IResult> AuditedAsync(
        HttpContext context, IGrainFactory grains, TimeProvider time, string action, string target, string change, string? reason, Func<Task<IResult>> act)
    {
        var now = time.GetUtcNow();
        var audit = grains.GetGrain<IOperatorAuditGrain>(Day(now));
        var caller = context.User;
        var sequence = await audit.RecordAsync(new AuditEntry(
            now, caller.UserId()!, caller.DisplayName(), action, target, change, string.IsNullOrWhiteSpace(reason) ? "(none given)" : reason.Trim()[..Math.Min(reason.Trim().Length, 500)]));
        var result = await act();
        await audit.CompleteAsync(sequence, Outcome(result));
        return result;
    }

    public static string Day(DateTimeOffset at) => IOperatorAuditGrain.DayKey(at);

    private static string Outcome(IResult result) => result switch
    {
        Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult problem =>
            $"{problem.StatusCode} {(problem.ProblemDetails.Extensions.TryGetValue("code", out var code) ? code : "")}".TrimEnd(),
        IStatusCodeHttpResult { StatusCode: { } status } => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "done",
    };
}
