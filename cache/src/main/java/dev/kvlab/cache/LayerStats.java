package dev.kvlab.cache;

/**
 * One layer's share of a {@link StepStats}, as an {@link EvictionPolicy} reads it.
 *
 * @param attention per head, attention mass per held entry; shape [heads][held], or null when not asked
 * @param keyNorms  per head, key L2 norm per chunk token; shape [heads][chunk tokens], or null when not asked
 */
public record LayerStats(float[][] attention, float[][] keyNorms) {

    static LayerStats of(StepStats stats, int layer) {
        return new LayerStats(stats.hasAttention() ? stats.attention()[layer] : null,
                stats.hasKeyNorms() ? stats.keyNorms()[layer] : null);
    }

    /** Attention mass entry i received, summed over heads. */
    public double attentionSum(int i) {
        double s = 0;
        for (float[] head : attention) {
            s += head[i];
        }
        return s;
    }

    /** Key norm of chunk token c, averaged over heads. */
    public double keyNormMean(int c) {
        double s = 0;
        for (float[] head : keyNorms) {
            s += head[c];
        }
        return s / keyNorms.length;
    }
}
