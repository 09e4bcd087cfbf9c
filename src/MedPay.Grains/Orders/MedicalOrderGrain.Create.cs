// Creating an order: validated, stored, and listed before it is answered; a repeat with the same content answers the same.
using MedPay.Contracts;
using MedPay.Grains.Domain;

namespace MedPay.Grains;

public sealed partial class MedicalOrderGrain
{
    private async Task<Result<CreateOrderResult>> CreateOnceAsync(CreateOrderCommand command)
    {
        var validated = OrderRules.Validate(command);
        if (!validated.IsOk)
        {
            return validated.Error!;
        }

        if (OrderIds.For(command.MerchantId, command.MerchantOrderNo) != OrderId)
        {
            throw new ArgumentException("The order id does not match the merchant id and merchant order number.", nameof(command));
        }

        if (state.State.Command is { } existing)
        {
            if (!OrderRules.SameContent(existing, command))
            {
                return new Failure(ErrorCodes.OrderConflict, "This merchant order number is already used for an order with other content.");
            }

            // A repeat: the line again, in case the first request failed after the order was stored and before its line
            // was (an identical line writes nothing), so that a created order answered is always listed.
            await WriteListingLinesAsync(state.State);
            return new CreateOrderResult(View(state.State), Created: false);
        }

        var voucher = await GrainFactory.GetGrain<IEVoucherGrain>(command.UserId).GetAsync();
        if (!voucher.IsOk)
        {
            return voucher.Error!;
        }

        var now = time.GetUtcNow();
        var merchantSegment = GrainFactory.GetGrain<IOrderIndexGrain>(MerchantShardKey(command.MerchantId, now)).AssignSegmentAsync();
        var userSegment = GrainFactory.GetGrain<IOrderIndexGrain>(OrderIndexKeys.User(command.UserId)).AssignSegmentAsync();
        await Task.WhenAll(merchantSegment, userSegment);
        await SaveAsync(OrderState.Created(command, validated.Value, now, await merchantSegment, await userSegment));
        // The order's only index writes: its lines, durable before the answer. If they fail, so does the request, and
        // its repeat writes them. No reminder of its own while unpaid: the merchant's index sweeps its unpaid orders.
        await WriteListingLinesAsync(state.State);
        return new CreateOrderResult(View(state.State), Created: true);
    }
}
