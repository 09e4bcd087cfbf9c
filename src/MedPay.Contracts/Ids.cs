using Orleans.Concurrency;

namespace MedPay.Contracts;

/// <summary>What user ids, merchant ids and merchant order numbers look like; they become grain and storage keys.</summary>
public static class Ids
{
    public const int MaxLength = 64;

    /// <summary>1 to 64 of [A-Za-z0-9_-]; merchant order numbers may also contain dots.</summary>
    public static bool IsValid(string? value, bool allowDot = false) =>
        value is { Length: > 0 and <= MaxLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' || (allowDot && c == '.'));
}

/// <summary>How order ids are built: merchant id and merchant order number, joined by a character neither may contain.</summary>
public static class OrderIds
{
    public const char Separator = '~';

    public static string For(string merchantId, string merchantOrderNo) => $"{merchantId}{Separator}{merchantOrderNo}";

    public static bool TryParse(string orderId, out string merchantId, out string merchantOrderNo)
    {
        var at = orderId.IndexOf(Separator);
        merchantId = at > 0 ? orderId[..at] : "";
        merchantOrderNo = at > 0 ? orderId[(at + 1)..] : "";
        return Ids.IsValid(merchantId) && Ids.IsValid(merchantOrderNo, allowDot: true);
    }
}
