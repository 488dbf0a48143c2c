package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Plan files, sweep expansion, CSV/JSON writing and the long-generation total. */
class PlanAndTablesTest {
    @Test
    void theFullPresetParsesAndNamesItsExperiments() {
        BenchPlan p = PlanFile.preset("full");
        List<String> names = p.sweeps().stream().map(SweepSpec::name).toList();
        assertTrue(names.containsAll(List.of("strategies", "batching", "capacity", "load", "prefix", "block-size")),
                names.toString());
        assertNotNull(p.longGen());
        assertNotNull(p.quality());
        assertNotNull(p.kvGrowth());
    }

    @Test
    void unknownKeysAndBadValuesAreReportedByName() {
        var e = assertThrows(IllegalArgumentException.class, () -> PlanFile.parse(
                "{\"sweeps\":[{\"name\":\"x\",\"workload\":{\"kind\":\"fixed\",\"requests\":1,\"promptTokens\":1,"
                        + "\"outputTokens\":1},\"blockSize\":[8]}]}", "test"));
        assertTrue(e.getMessage().contains("unknown key 'sweeps[0].blockSize'"), e.getMessage());
        var bad = assertThrows(IllegalArgumentException.class, () -> PlanFile.parse(
                "{\"sweeps\":[{\"name\":\"x\",\"workload\":{\"kind\":\"fixed\",\"requests\":0}}]}", "test"));
        assertTrue(bad.getMessage().contains("requests"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PlanFile.preset("huge"));
    }

    /** Issue 9 items 6 and 8: a bench plan is read with the strict JSON policy, no coercion, no NPE on empty. */
    @Test
    void planValuesAreNotCoerced() {
        String head = "{\"sweeps\":[{\"name\":\"x\",\"workload\":{\"kind\":\"fixed\",";
        String[][] cases = {
            {head + "\"requests\":2.5}}]}", "\"sweeps[0].workload.requests\" must be an integer"},
            {head + "\"requests\":4294967297}}]}", "got 4294967297"},
            {head + "\"requests\":\"2\"}}]}", "got \"2\""},
            {head + "\"requests\":2, \"requests\":3}}]}", "duplicate key \"sweeps[0].workload.requests\""},
            {head + "'requests':2}}]}", "malformed JSON"},
            {"", "empty input"},
            {"   \n", "empty input"},
            {"null", "expected a JSON object, got null"},
        };
        for (String[] c : cases) {
            var e = assertThrows(IllegalArgumentException.class, () -> PlanFile.parse(c[0], "plan.json"), c[0]);
            assertTrue(e.getMessage().startsWith("plan.json: ") && e.getMessage().contains(c[1]), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void blockSizesVaryOnlyPagedAndWindowsOnlyRing() {
        SweepSpec s = new SweepSpec("s", new WorkloadSpec("fixed", 1, 1, 1, 0, 0),
                List.of("contiguous", "paged", "ring"), null, List.of(2, 4), null, List.of(8, 16, 32),
                List.of(64, 128), List.of("inf", "2"), 0, 0, 0, null);
        // per rate and limit: contiguous 1 + paged 3 + ring 2 = 6; x 2 limits x 2 rates
        assertEquals(24, s.points().size());
        assertEquals("paged bs=8 seqs=2", s.points().get(2).label());
        assertThrows(IllegalArgumentException.class, () -> new SweepSpec("s", new WorkloadSpec("fixed", 1, 1, 1, 0, 0),
                List.of("contiguous:huge"), null, null, null, null, null, null, 0, 0, 0, null));
    }

    /** A row with a nested record (flattened in place), a renamed column and a nullable one. */
    record Inner(double innerValue, Integer maybe) {
    }

    record Row(String name, Inner inner, @com.google.gson.annotations.SerializedName("z_1m") double zValue) {
    }

    @Test
    void csvQuotesAndLeavesNanEmptyAndJsonLinesAreOnePerRow() {
        Row a = new Row("a,b", new Inner(1.5, null), Double.NaN);
        Row b = new Row("say \"hi\"", new Inner(Double.POSITIVE_INFINITY, 3), 1234567.891);
        assertEquals("name,inner_value,maybe,z_1m\n\"a,b\",1.5,,\n\"say \"\"hi\"\"\",inf,3,1234570\n",
                Tables.csv(List.of(a, b)));
        assertEquals(2, Tables.jsonLines(List.of(a, b)).lines().count());
    }

    @Test
    void jsonLinesReadBackAsTheSameTypedRows() {
        Row a = new Row("a", new Inner(Double.POSITIVE_INFINITY, null), Double.NaN);
        Row b = new Row("b", new Inner(-2.25, 7), 3.0);
        for (Row r : List.of(a, b)) {
            String line = Tables.jsonLine(r);
            assertEquals(r, FlatRecord.read(com.google.gson.JsonParser.parseString(line).getAsJsonObject(), Row.class),
                    line);
        }
    }

    @Test
    void labelsAndColumnsComeFromWhatTheStrategyReads() {
        RunConfig ring = RunConfig.of("ring", dev.kvlab.runtime.EngineConfig.DEFAULTS);
        assertEquals("ring w=256 seqs=16", ring.label());
        RunPoint p = RunPoint.of(ring);
        assertEquals(256, p.window());
        assertEquals(null, p.blockSize());
        RunConfig max = RunConfig.of("contiguous:max", dev.kvlab.runtime.EngineConfig.DEFAULTS);
        assertEquals("contiguous:max", max.strategy());
        assertEquals("contiguous:max seqs=16", max.label());
    }

    @Test
    void trapezoidalTotalIsExactForALinearCurve() {
        // step(t) = t ms for t = 1..100: the sum is 5050 ms
        assertEquals(5.050, LongGen.totalSeconds(new int[] {1, 50, 100}, new double[] {1, 50, 100}, 100), 1e-12);
        // constant 10 ms from 1 to 1000: 10 s
        assertEquals(10.0, LongGen.totalSeconds(new int[] {2, 500, 1000}, new double[] {10, 10, 10}, 1000), 1e-12);
    }

    @Test
    void qualityConfigsScoreFullCachesOnlyWhereAPassageFits() {
        QualitySpec spec = new QualitySpec(null, 128, 1, List.of(32, 128, 256), List.of(0, 4),
                List.of("none", "paged", "ring"), 0, 0, 0, 0);
        assertEquals(List.of("none", "paged", "ring w=32 s=0", "ring w=32 s=4", "ring w=128 s=0", "ring w=128 s=4",
                "ring w=256 s=0", "ring w=256 s=4"), QualityExperiment.configs(spec).stream()
                .map(QualityExperiment.Config::label).toList());
        assertEquals(128, QualityExperiment.configs(spec).get(1).budget());
        assertEquals(64, spec.prompt());                                        // default: half the passage
        assertEquals(1.0 / 3, AttentionSinks.uniformFirstShare(3), 1e-15);    // q = 2 only: 1/3
        assertEquals((1.0 / 3 + 1.0 / 4) / 2, AttentionSinks.uniformFirstShare(4), 1e-15);
    }

    @Test
    void qualityBudgetsSetTheTokenBudgetEachStrategyDeclares() {
        QualitySpec spec = new QualitySpec(null, 128, 1, List.of(32, 128), List.of(0, 4),
                List.of("h2o", "mix", "int8", "ring"), 0, 0, 0, 100);
        List<QualityExperiment.Config> c = QualityExperiment.configs(spec);
        assertEquals(List.of("h2o budget=32", "h2o budget=128", "mix budget=32 s=0", "mix budget=32 s=4",
                "mix budget=128 s=0", "mix budget=128 s=4", "int8", "ring w=32 s=0", "ring w=32 s=4", "ring w=128 s=0",
                "ring w=128 s=4"), c.stream().map(QualityExperiment.Config::label).toList());
        assertEquals(32, c.get(0).options().eviction().budget());
        assertEquals(dev.kvlab.cache.CacheOptions.DEFAULTS.window(), c.get(0).options().window());
        assertEquals(4, c.get(3).options().sinks());
        assertEquals(128, c.get(4).options().eviction().budget());
        assertEquals(dev.kvlab.cache.EvictionOptions.UNBOUNDED, c.get(6).options().eviction().budget());
        assertEquals(32, c.get(8).options().window());
        assertEquals(4, c.get(8).options().sinks());
        assertThrows(IllegalArgumentException.class, () -> new QualitySpec(null, 128, 1, null, null, null, 0, 0, 0,
                127));                                                          // no decode step left to score
    }

    @Test
    void qualityTotalsScoreOnlyTheDecodeStepsAndCurveEveryPosition() {
        // 4 query positions, decode steps from position 2: the metrics average positions 2 and 3 only
        QualityExperiment.Totals t = new QualityExperiment.Totals(4, 2);
        var s = new dev.kvlab.runtime.QualityMetrics.Scores(new double[] {9, 9, 1, 3}, new double[] {5, 5, 0.5, 0.25},
                new int[] {0, 0, 1, 0});
        t.add(s, new double[] {9, 9, 2, 2}, 1000);
        t.add(s, new double[] {9, 9, 2, 2}, 3000);
        assertEquals(4, t.n);
        assertEquals(8, t.nll, 0);                 // (1 + 3) x 2 passages
        assertEquals(8, t.nllFull, 0);
        assertEquals(1.5, t.kl, 0);
        assertEquals(2, t.agree);
        assertEquals(3000, t.peakBytes);
        assertArrayEquals(new double[] {18, 18, 2, 6}, t.nllAt, 0);
    }
}
