package dev.kvlab.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.KvCacheRegistry;
import dev.kvlab.cache.MemoryStats;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

/** The decode-step benchmark measures what it says, on the tiny model: same state every sample, same answer. */
class DecodeStepBenchTest {

    @Test
    void benchmarksEveryCachingStrategy() throws Exception {
        List<String> caching = DecodeStepBench.cachingStrategies();
        assertTrue(caching.containsAll(List.of("contiguous", "paged", "ring")), caching.toString());
        assertTrue(!caching.contains("none"), "none recomputes: its decode step is a prefill");
        assertEquals(KvCacheRegistry.names().size() - 1, caching.size(), "every registered one but none");
        String[] declared = DecodeStepBench.class.getField("strategy").getAnnotation(Param.class).value();
        assertTrue(caching.containsAll(Arrays.asList(declared)), "the @Param fallback lists caching strategies");
        List<String> args = JmhCommand.withDefaults(List.of(), LocalDateTime.now());
        assertTrue(args.contains("strategy=" + String.join(",", caching)), "kvlab jmh passes them all: " + args);
    }

    @Test
    void everySampleDecodesFromTheSameStateAndStrategiesAgree() {
        for (String layout : List.of("sequential", "interleaved")) {
            long[] reference = null;
            for (String strategy : List.of("contiguous", "paged", "ring")) {
                DecodeStepBench b = bench(strategy, layout);
                try {
                    b.setUp();
                    MemoryStats before = b.cache().memory();
                    long[] first = b.decodeStep();
                    b.rewind();
                    assertEquals(before, b.cache().memory(), strategy + ": rewind restores the bookkeeping");
                    long[] second = b.decodeStep();
                    assertArrayEquals(first, second, strategy + " " + layout + ": the same step twice");
                    b.cache().checkInvariants();
                    assertEquals(b.batch * (long) b.context, b.cache().memory().liveTokens());
                    if (reference == null) {
                        reference = first;
                    }
                    assertArrayEquals(reference, first, strategy + " " + layout + ": same tokens as contiguous");
                } finally {
                    b.tearDown();
                }
            }
        }
    }

    @Test
    void interleavedLayoutFragmentsPagedTables() {
        DecodeStepBench b = bench("paged", "interleaved");
        try {
            b.setUp();
            int[] table = ((dev.kvlab.cache.PagedCache) b.cache()).blockTable(new dev.kvlab.cache.SeqId(1));
            assertEquals(3, table.length);
            assertEquals(b.batch, table[1] - table[0], "consecutive blocks of a sequence lie batch blocks apart");
        } finally {
            b.tearDown();
        }
    }

    @Test
    void jmhCommandAddsTheDefaultBenchmarkAndJsonFile() throws Exception {
        LocalDateTime t = LocalDateTime.of(2026, 1, 2, 3, 4, 5);
        List<String> args = JmhCommand.withDefaults(List.of("-f", "1", "-p", "batch=1"), t);
        assertEquals(List.of("-f", "1", "-p", "batch=1", "DecodeStepBench", "-p",
                "strategy=" + String.join(",", DecodeStepBench.cachingStrategies()), "-rf", "json", "-rff",
                AbstractKvlabBenchmark.RESULT_DIR + "/jmh-20260102-030405.json"), args);
        List<String> given = List.of("Other", "-rf", "csv");
        assertEquals(given, JmhCommand.withDefaults(given, t), "the user's choices are kept");
    }

    @Test
    void tableShowsMediansPerStrategyAndThePagedRatio() {
        String json = "[" + result("contiguous", 10.0) + "," + result("paged", 11.0) + "]";
        String table = JmhTable.markdown(com.google.gson.JsonParser.parseString(json).getAsJsonArray());
        assertTrue(table.startsWith("All rows: threads=1\n"), table);
        assertTrue(table.contains("| benchmark | batch | context | contiguous (ms/op) | paged (ms/op) | paged/contiguous |"),
                table);
        assertTrue(table.contains("| DecodeStepBench.decodeStep | 8 | 512 | 10.0 | 11.0 | 1.100 |"), table);
    }

    private static String result(String strategy, double median) {
        return "{\"benchmark\":\"dev.kvlab.bench.jmh.DecodeStepBench.decodeStep\",\"params\":{\"batch\":\"8\","
                + "\"context\":\"512\",\"strategy\":\"" + strategy + "\",\"threads\":\"1\"},\"primaryMetric\":{"
                + "\"score\":1,\"scoreUnit\":\"ms/op\",\"scorePercentiles\":{\"50.0\":" + median + "}}}";
    }

    private static DecodeStepBench bench(String strategy, String layout) {
        DecodeStepBench b = new DecodeStepBench();
        b.strategy = strategy;
        b.batch = 3;
        b.context = 40;
        b.threads = 1;
        b.layout = layout;
        b.model = "tiny-random";
        return b;
    }
}
