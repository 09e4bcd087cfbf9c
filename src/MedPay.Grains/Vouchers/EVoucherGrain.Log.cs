using MedPay.Contracts;
using Microsoft.Extensions.Logging;

namespace MedPay.Grains;

/// <summary>
/// What the voucher logs. The user id is personal data and the operator's reason free text: both are classified, so
/// the logging pipeline's redactor (see <c>AddMedPayRedaction</c>) removes their values from every log line.
/// </summary>
public sealed partial class EVoucherGrain
{
    [LoggerMessage(LogLevel.Information, "E-voucher of user {UserId} not opened: the identity is unavailable")]
    private static partial void LogIdentityUnavailable(ILogger logger, [PersonalData] string userId);

    [LoggerMessage(LogLevel.Information, "Opened e-voucher {VoucherNo} for user {UserId} in region {Region}")]
    private static partial void LogOpened(ILogger logger, string voucherNo, [PersonalData] string userId, string region);

    [LoggerMessage(LogLevel.Information, "E-voucher of user {UserId}: reservation for order {OrderId} is stale; asking the order")]
    private static partial void LogStaleReservation(ILogger logger, [PersonalData] string userId, string orderId);

    [LoggerMessage(LogLevel.Information, "E-voucher of user {UserId} is now {Status}: {Reason}")]
    private static partial void LogStatusChanged(ILogger logger, [PersonalData] string userId, VoucherStatus status, [Secret] string reason);

    [LoggerMessage(LogLevel.Warning, "E-voucher of user {UserId}: its latest commits could not be written at deactivation; its reservations check commits them again")]
    private static partial void LogCommitsNotWritten(ILogger logger, Exception exception, [PersonalData] string userId);

    [LoggerMessage(LogLevel.Warning, "E-voucher of user {UserId}: order {OrderId} of a held reservation could not be asked at activation; the reservations check asks again")]
    private static partial void LogOrderNotAsked(ILogger logger, Exception exception, [PersonalData] string userId, string orderId);

    [LoggerMessage(LogLevel.Information, "E-voucher moved from user {FromUserId} to user {UserId} (hand-over {Generation}): its holder verified on the new account")]
    private static partial void LogMoved(ILogger logger, [PersonalData] string fromUserId, [PersonalData] string userId, long generation);

    [LoggerMessage(LogLevel.Warning, "E-voucher of user {UserId}: a sealed identity field could not be opened to move it; it moves without it")]
    private static partial void LogNotUnsealed(ILogger logger, Exception exception, [PersonalData] string userId);

    [LoggerMessage(LogLevel.Error, "E-voucher of user {UserId} moved to an account that holds another person's voucher; its calls are refused until an operator looks at it")]
    private static partial void LogSuccessorRefused(ILogger logger, [PersonalData] string userId);
}
