namespace MedPay.Grains;

/// <summary>The step boundaries of a payment, where tests may stop the flow (and kill the silo).</summary>
public enum FlowStep
{
    /// <summary>The voucher holds the reservation, the payment's intent (settlement S, the split); nothing has left MedPay.</summary>
    AfterReserve,
    /// <summary>The settlement exchange is about to start; the platform has not been called.</summary>
    AfterGatewayIntent,
    /// <summary>The platform settled; the cash part is not charged, nothing is recorded.</summary>
    AfterPlatform,
    /// <summary>The exchange has its outcome (held by the platform and the cash channel); the order has not recorded it.</summary>
    AfterSettlement,
    /// <summary>The order recorded "settled"; the voucher has not committed the reservation.</summary>
    BeforeCommit,
    /// <summary>The order recorded a pending refund; the gateway has not been called.</summary>
    BeforeRefund,
    /// <summary>The gateway recorded the refund's intent; the platform has not been called.</summary>
    AfterRefundIntent,
    /// <summary>The refund went through at the gateway; the voucher has not been credited.</summary>
    AfterRefund,
}

/// <summary>Called at each <see cref="FlowStep"/>. Production does nothing here; tests use it to stop the flow.</summary>
public interface IPaymentFlowHooks
{
    ValueTask AtAsync(FlowStep step, string orderId);
}

public sealed class NoFlowHooks : IPaymentFlowHooks
{
    public ValueTask AtAsync(FlowStep step, string orderId) => ValueTask.CompletedTask;
}
