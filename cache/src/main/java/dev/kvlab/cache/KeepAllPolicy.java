package dev.kvlab.cache;

/** Evicts nothing and asks for nothing: the layers of {@code mix} kept whole, and strategy {@code int8}. */
public final class KeepAllPolicy implements EvictionPolicy {

    @Override
    public StatsRequest statsFor(StepContext step) {
        return StatsRequest.NONE;
    }

    @Override
    public int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats) {
        return KEEP_ALL;
    }

    @Override
    public boolean evictable(StepContext step, int layer, int position) {
        return false;
    }
}
