package dev.kvlab.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Drives one {@link EvictingCache} by hand for the policy tests: a chunk is granted, then hand-made statistics are
 * observed; invariants are checked after every operation.
 */
final class PolicyDriver {

    static final SeqId SEQ = new SeqId(1);

    final EvictingCache cache;
    private final int maxTokens;
    private final int promptLength;

    PolicyDriver(String name, CacheSpec spec, CacheOptions options, int promptLength, int maxTokens) {
        this.cache = (EvictingCache) PolicyStrategies.create(name, spec, options);
        this.promptLength = promptLength;
        this.maxTokens = maxTokens;
        cache.checkInvariants();
    }

    /** Grants positions [numTokens, end) of sequence 1 (token id = position). */
    Allocation.Granted chunk(int end) {
        int[] tokens = Chunks.range(0, end);
        AllocRequest r = new AllocRequest(SEQ, tokens, end - cache.numTokens(SEQ), maxTokens, promptLength);
        Allocation a = cache.allocate(r);
        cache.checkInvariants();
        return assertInstanceOf(Allocation.Granted.class, a);
    }

    /** Observes attention [layers][heads][held] and key norms [layers][heads][chunk] (either may be empty). */
    void observe(float[][][] attention, float[][][] keyNorms) {
        cache.observe(SEQ, new StepStats(attention, keyNorms));
        cache.checkInvariants();
    }

    void observeAttention(float[][]... perLayer) {
        observe(perLayer, new float[0][][]);
    }

    void observeNorms(float[][]... perLayer) {
        observe(new float[0][][], perLayer);
    }

    void assertHeld(int layer, int... positions) {
        assertArrayEquals(positions, cache.heldPositions(SEQ, layer), "layer " + layer + " holds");
    }

    static float[] f(double... v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    /** The view's positions of layer l, in entry order. */
    static int[] viewPositions(Allocation.Granted g, int layer) {
        return ((AttentionView.Held) g.view()).positions()[layer];
    }

    static int[] viewSlots(Allocation.Granted g, int layer) {
        return ((AttentionView.Held) g.view()).slots()[layer];
    }
}
