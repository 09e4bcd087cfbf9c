using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MedPay.Grains;

/// <summary>Log redaction: classified values (<see cref="MedPay.Contracts.MedPayData"/>) never reach a log line.</summary>
public static class MedPayRedaction
{
    public static IServiceCollection AddMedPayRedaction(this IServiceCollection services)
    {
        services.AddRedaction(redaction => redaction.SetRedactor<Microsoft.Extensions.Compliance.Redaction.ErasingRedactor>(
            new Microsoft.Extensions.Compliance.Classification.DataClassificationSet(MedPay.Contracts.MedPayData.PersonalData),
            new Microsoft.Extensions.Compliance.Classification.DataClassificationSet(MedPay.Contracts.MedPayData.Secret)));
        services.AddLogging(logging => logging.EnableRedaction());
        return services;
    }
}
