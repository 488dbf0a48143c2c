package dev.kvlab.bench;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.MemoryStats;
import dev.kvlab.cache.SeqId;
import dev.kvlab.model.Gpt2Config;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs a {@link KvGrowthSpec} against the real cache implementations; one row per strategy and length. */
public final class KvGrowth {
    private KvGrowth() {
    }

    /** One row per strategy and sampled length, for a model of config {@code c}. */
    public static List<KvGrowthRow> run(KvGrowthSpec spec, Gpt2Config c, int dtypeBytes) {
        List<KvGrowthRow> rows = new ArrayList<>();
        CacheOptions options = CacheOptions.DEFAULTS.withBlockSize(spec.blockSize())
                .withWindow(spec.window(), CacheOptions.DEFAULTS.sinks());
        for (String strategy : spec.strategies()) {
            KvCacheRegistry.Selection s = KvCacheRegistry.select(strategy, options);
            CacheSpec cs = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), dtypeBytes, c.nPositions(), c.nPositions());
            KvCache cache = s.description().factory().create(cs, s.options());
            grow(cache, strategy, spec, rows);
        }
        return rows;
    }

    private static void grow(KvCache cache, String label, KvGrowthSpec spec, List<KvGrowthRow> rows) {
        SeqId seq = new SeqId(0);
        int[] ids = new int[spec.totalTokens()];
        int n = spec.promptTokens();
        while (n <= spec.totalTokens()) {
            int fresh = n == spec.promptTokens() ? n : 1;
            Allocation a = cache.allocate(new AllocRequest(seq, Arrays.copyOf(ids, n), fresh, spec.totalTokens()));
            if (a instanceof Allocation.NoRoom no) {
                throw new IllegalStateException(label + " has no room at " + n + " tokens: " + no.reason());
            }
            if ((n - spec.promptTokens()) % 4 != 0 && n != spec.totalTokens() && n % spec.blockSize() > 1) {
                n++;
                continue;   // keep every 4th length, and the two around each block boundary (the steps stay sharp)
            }
            MemoryStats m = cache.memory();
            rows.add(new KvGrowthRow(label, n, m.reservedBytes(), m.liveBytes()));
            n++;
        }
        cache.free(seq);
    }
}
