using System.Globalization;

namespace MedPay.Api.Console;

/// <summary>How the console writes money and time for people.</summary>
public static class Format
{
    public static string Yuan(long fen) => "¥" + (fen / 100m).ToString("#,0.00", CultureInfo.InvariantCulture);

    public static string Age(DateTimeOffset since, DateTimeOffset now)
    {
        var age = now - since;
        return age.TotalMinutes < 1 ? "just now"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min ago"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours} h {age.Minutes} min ago"
            : $"{(int)age.TotalDays} days ago";
    }

    public static string Status(string wire) => wire switch
    {
        "settled" or "refunded" or "partially_refunded" => "ok",
        "failed" or "cancelled" or "expired" => "bad",
        "manual_review" or "paying" => "warn",
        _ => "",
    };
}
