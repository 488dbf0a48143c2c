package dev.kvlab.cache;

/**
 * What the runtime measured in one step for one chunk, as its {@link StatsRequest} asked: plain arrays, handed to
 * {@link KvCache#observe} after the step. Key index i of layer l is entry i of the chunk's
 * {@link AttentionView.Held} view in that layer; chunk token c is the chunk's c-th token.
 *
 * @param attention per layer and head, the softmax weight each held key received, summed over the queries the request
 *                  named (each such query contributes 1 in total per head); shape [layers][heads][held of layer l],
 *                  or [0] when not asked
 * @param keyNorms  per layer and head, the L2 norm of each chunk token's key; shape [layers][heads][chunk tokens],
 *                  or [0] when not asked
 */
public record StepStats(float[][][] attention, float[][][] keyNorms) {

    /** Nothing measured (nothing was asked). */
    public static final StepStats NONE = new StepStats(new float[0][][], new float[0][][]);

    public boolean hasAttention() {
        return attention.length > 0;
    }

    public boolean hasKeyNorms() {
        return keyNorms.length > 0;
    }

    /**
     * Checks the shapes against what was asked and granted.
     *
     * @throws IllegalArgumentException naming the first mismatch (a runtime bug)
     */
    public void requireShape(StatsRequest asked, AttentionView.Held view, int chunkTokens, int heads) {
        if (asked.wantsAttention() != hasAttention() || asked.keyNorms() != hasKeyNorms()) {
            throw new IllegalArgumentException("statistics differ from the request " + asked);
        }
        for (int l = 0; l < attention.length; l++) {
            requireLayer(attention, l, view.numLayers(), heads, view.numHeld(l), "attention");
        }
        for (int l = 0; l < keyNorms.length; l++) {
            requireLayer(keyNorms, l, view.numLayers(), heads, chunkTokens, "keyNorms");
        }
    }

    private static void requireLayer(float[][][] a, int l, int layers, int heads, int n, String what) {
        if (a.length != layers || a[l].length != heads) {
            throw new IllegalArgumentException(what + ": expected [" + layers + "][" + heads + "][..], got ["
                    + a.length + "][" + a[l].length + "]");
        }
        for (float[] h : a[l]) {
            if (h.length != n) {
                throw new IllegalArgumentException(what + " of layer " + l + ": expected " + n + " values, got "
                        + h.length);
            }
        }
    }
}
