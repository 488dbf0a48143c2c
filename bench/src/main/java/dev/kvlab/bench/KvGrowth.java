package dev.kvlab.bench;

import dev.kvlab.cache.AllocRequest;
import dev.kvlab.cache.Allocation;
import dev.kvlab.cache.CacheSpec;
import dev.kvlab.cache.KvCache;
import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.MemoryStats;
import dev.kvlab.cache.SeqId;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.runtime.EngineConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs a {@link KvGrowthSpec} against the real cache implementations; one row per strategy and length. */
public final class KvGrowth {
    private KvGrowth() {
    }

    /** Rows {@code strategy, tokens, reserved_bytes, live_bytes} for a model of config {@code c}. */
    public static List<Map<String, Object>> run(KvGrowthSpec spec, Gpt2Config c, int dtypeBytes) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String strategy : spec.strategies()) {
            RunConfig rc = new RunConfig(strategy, RunConfig.CONTINUOUS, 1, 0, spec.blockSize(), spec.window(), 4, 2048,
                    Arrivals.ALL_AT_ONCE);
            EngineConfig ec = rc.engineConfig();
            CacheSpec cs = new CacheSpec(c.nLayer(), c.nHead(), c.headDim(), dtypeBytes, c.nPositions(), c.nPositions());
            KvCache cache = KvCacheRegistry.create(ec.strategy(), cs, ec.cacheOptions());
            grow(cache, strategy, spec, rows);
        }
        return rows;
    }

    private static void grow(KvCache cache, String label, KvGrowthSpec spec, List<Map<String, Object>> rows) {
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
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("strategy", label);
            row.put("tokens", n);
            row.put("reserved_bytes", m.reservedBytes());
            row.put("live_bytes", m.liveBytes());
            rows.add(row);
            n++;
        }
        cache.free(seq);
    }
}
