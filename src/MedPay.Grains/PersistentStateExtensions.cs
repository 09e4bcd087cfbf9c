using Orleans.Storage;

namespace MedPay.Grains;

/// <summary>How a grain writes, clears and re-decides on its <see cref="IPersistentState{TState}"/>.</summary>
internal static class PersistentStateExtensions
{
    /// <summary>
    /// Writes a grain's next state. If the write fails the grain keeps its last durable state in memory; on any failure
    /// but an ETag conflict it also deactivates, so that the next call re-reads storage instead of deciding on state
    /// that may or may not have been written.
    /// </summary>
    public static async Task SaveAsync<T>(this IPersistentState<T> state, T next, IGrainBase grain)
    {
        var previous = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            state.State = previous;
            if (e is not InconsistentStateException)
            {
                GrainBaseExtensions.DeactivateOnIdle(grain);
            }

            throw;
        }
    }

    /// <summary>Clears a grain's state, with the same failure rule as <see cref="SaveAsync{T}"/>.</summary>
    public static async Task ClearAsync<T>(this IPersistentState<T> state, IGrainBase grain)
    {
        var previous = state.State;
        try
        {
            await state.ClearStateAsync();
        }
        catch (Exception e)
        {
            state.State = previous;
            if (e is not InconsistentStateException)
            {
                GrainBaseExtensions.DeactivateOnIdle(grain);
            }

            throw;
        }
    }

    /// <summary>
    /// Runs a decision; if its write lost an ETag race (someone else wrote this grain's state), re-reads the state and
    /// decides again from what is really stored. Every step is idempotent by order or settlement id, so deciding again
    /// is safe; the write itself is never blindly retried.
    /// </summary>
    public static async Task<TResult> DecideAsync<T, TResult>(this IPersistentState<T> state, Func<Task<TResult>> decide, Action? reloaded = null)
    {
        try
        {
            return await decide();
        }
        catch (InconsistentStateException)
        {
            await state.ReadStateAsync();
            reloaded?.Invoke();
            return await decide();
        }
    }

    public static Task DecideAsync<T>(this IPersistentState<T> state, Func<Task> decide, Action? reloaded = null) =>
        state.DecideAsync(async () =>
        {
            await decide();
            return true;
        }, reloaded);
}
