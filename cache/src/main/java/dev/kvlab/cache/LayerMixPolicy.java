package dev.kvlab.cache;

import java.util.List;

/**
 * Strategy "mix": a policy per layer, so layers hold different tokens under different budgets. The registered
 * {@code mix} keeps the lower half of the layers whole and gives the upper half a {@link WindowPolicy} of
 * {@code budget} tokens with {@code sinks} sinks. The idea of per-layer budgets follows PyramidKV (Cai et al. 2024,
 * "PyramidKV: Dynamic KV Cache Compression based on Pyramidal Information Funneling"), which found lower layers
 * attend broadly and upper layers narrowly; kvlab's mix is a two-step pyramid with windows, not PyramidKV's
 * attention-chosen tokens under linearly decreasing budgets.
 *
 * <p>The statistics asked for are the union of what the layers' policies ask (one request serves every layer): key
 * norms if any wants them, attention if any wants it, and then all that want attention must name the same first
 * query position.
 */
public final class LayerMixPolicy implements EvictionPolicy {

    /** Policy of each layer; shape [layers]. */
    private final List<EvictionPolicy> perLayer;

    public LayerMixPolicy(List<EvictionPolicy> perLayer) {
        this.perLayer = List.copyOf(perLayer);
    }

    /** The lower {@code numLayers / 2} layers whole, the others windowed (sinks from {@code options.sinks()}). */
    public static LayerMixPolicy halfWindowed(CacheSpec spec, CacheOptions options) {
        int budget = options.eviction().budget();
        EvictionPolicy upper = budget == EvictionOptions.UNBOUNDED ? new KeepAllPolicy()
                : new WindowPolicy(budget, Math.min(options.sinks(), budget - 1));
        EvictionPolicy[] layers = new EvictionPolicy[spec.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = l < layers.length / 2 ? new KeepAllPolicy() : upper;
        }
        return new LayerMixPolicy(List.of(layers));
    }

    @Override
    public StatsRequest statsFor(StepContext step) {
        int from = StatsRequest.NO_ATTENTION;
        boolean norms = false;
        for (EvictionPolicy p : perLayer) {
            StatsRequest r = p.statsFor(step);
            if (r.wantsAttention() && from != StatsRequest.NO_ATTENTION && from != r.attentionFrom()) {
                throw new IllegalStateException("mix: layers ask for attention from positions " + from + " and "
                        + r.attentionFrom() + "; one request serves every layer");
            }
            from = r.wantsAttention() ? r.attentionFrom() : from;
            norms |= r.keyNorms();
        }
        return new StatsRequest(from, norms);
    }

    @Override
    public int update(StepContext step, int layer, LayerTokens tokens, LayerStats stats) {
        return perLayer.get(layer).update(step, layer, tokens, stats);
    }

    @Override
    public boolean evictable(StepContext step, int layer, int position) {
        return perLayer.get(layer).evictable(step, layer, position);
    }
}
