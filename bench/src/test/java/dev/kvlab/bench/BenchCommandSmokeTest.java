package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.runtime.cli.KvlabCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kvlab bench} end to end on the tiny model: files exist and parse, numbers add up, bad flags exit 2. */
class BenchCommandSmokeTest {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Command(name = "kvlab")
    static final class Root {
    }

    record Outcome(int code, String out, String err) {
    }

    static Outcome bench(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            CommandLine cl = KvlabCli.create(new Root(), new BenchCommand());
            cl.setErr(new PrintWriter(err, true));
            List<String> all = new ArrayList<>(List.of("bench", "--model", "tiny-random", "--threads", "1", "--device",
                    "cpu", "--quiet"));
            all.addAll(Arrays.asList(args));
            int code = cl.execute(all.toArray(new String[0]));
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err + errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void tinyRunWritesParsableFilesWhoseNumbersAddUp(@TempDir Path dir) throws IOException {
        Outcome o = bench("--requests", "5", "--prompt-tokens", "8", "--output-tokens", "4", "--strategies",
                "contiguous,paged", "--batching", "continuous,static", "--batch-limits", "2", "--out", dir.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("output tok/s") && o.out().contains("static contiguous seqs=2"), o.out());

        List<JsonObject> runs = jsonLines(dir.resolve("runs.jsonl"));
        assertEquals(4, runs.size());
        List<JsonObject> requests = jsonLines(dir.resolve("requests.jsonl"));
        int expected = Workloads.build(new WorkloadSpec("mixed", 5, 8, 4, 0, 0), 50256, 1024).stream()
                .mapToInt(RequestSpec::maxNewTokens).sum();
        Map<String, Integer> perRun = new HashMap<>();
        requests.forEach(r -> perRun.merge(r.get("label").getAsString(), r.get("output_tokens").getAsInt(), Integer::sum));
        for (JsonObject r : runs) {
            String label = r.get("label").getAsString();
            assertEquals(expected, r.get("total_output_tokens").getAsInt(), label);
            assertEquals(expected, perRun.get(label), label);
            assertEquals(5, r.get("completed").getAsInt(), label);
            assertEquals(0, r.get("failed").getAsInt(), label);
            assertTrue(r.get("max_concurrent_seqs").getAsInt() <= 2, label);
            assertTrue(r.get("output_throughput").getAsDouble() > 0, label);
            double waste = r.get("kv_waste_pct").getAsDouble();
            assertTrue(waste >= 0 && waste < 100, label + " waste " + waste);
            assertTrue(r.get("median_ttft_ms").getAsDouble() <= r.get("median_e2el_ms").getAsDouble(), label);
            for (String k : List.of("machine", "cores", "jvm", "threads", "dtype", "device", "model", "seed",
                    "cpu_flags", "torch_version", "javacpp_version", "natives", "natives_path", "blas", "torch_threads",
                    "blas_threads", "thread_env", "cuda_available", "gpus", "cudnn")) {
                assertTrue(r.has(k), "missing " + k);
            }
            assertTrue(r.get("torch_version").getAsString().matches("\\d+\\.\\d+\\.\\d+"), label);
            assertTrue(Files.isRegularFile(Path.of(r.get("natives_path").getAsString())), label);
            assertEquals(1, r.get("torch_threads").getAsInt(), label);   // kvlab bench's default, read back from torch
            if (!dev.kvlab.model.natives.GpuNatives.onClassPath()) {
                assertEquals("cpu", r.get("natives").getAsString(), label);
                assertEquals(false, r.get("cuda_available").getAsBoolean(), label);
            }
        }
        String csv = Files.readString(dir.resolve("runs.csv"));
        assertTrue(csv.startsWith("experiment,label,strategy,batching,batch_limit,"), csv);
        assertEquals(5, csv.lines().count());
        assertTrue(Files.readString(dir.resolve("summary.md")).contains("| run | req/s |"));
        assertChart(dir, "kv_memory_vs_length");
        assertChart(dir, "kv_waste_by_strategy");

        String summary = Files.readString(dir.resolve("summary.md"));
        Files.delete(dir.resolve("charts/kv_waste_by_strategy.png"));
        Outcome replot = bench("--replot", dir.toString());
        assertEquals(0, replot.code(), replot.err());
        assertChart(dir, "kv_waste_by_strategy");
        assertEquals(summary, Files.readString(dir.resolve("summary.md")));
    }

    @Test
    void configFileRunsLongGenerationAndQuality(@TempDir Path dir) throws IOException {
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, "{\"model\": \"tiny-random\", \"longGen\": {\"model\": \"tiny-random\", \"totalTokens\": 40,"
                + " \"every\": 20, \"reps\": 1}, \"quality\": {\"length\": 64, \"passages\": 2, \"budgets\": [16, 64], \"sinks\": [0, 4],"
                + " \"strategies\": [\"contiguous\", \"ring\", \"h2o\"], \"attentionPassages\": 1}}");
        Outcome o = bench("--config", plan.toString(), "--out", dir.resolve("out").toString());
        assertEquals(0, o.code(), o.err());
        List<JsonObject> gen = jsonLines(dir.resolve("out/long_gen.jsonl"));
        assertEquals(6, gen.size());   // lengths 2, 20, 40 for contiguous and none
        List<JsonObject> q = jsonLines(dir.resolve("out/quality.jsonl"));
        // contiguous at budget 64 (16 cannot hold a passage), ring at 16 and 64 with 0 and 4 sinks, h2o at 16 and 64
        assertEquals(List.of("contiguous", "ring w=16 s=0", "ring w=16 s=4", "ring w=64 s=0", "ring w=64 s=4",
                "h2o budget=16", "h2o budget=64"), q.stream().map(r -> r.get("label").getAsString()).toList());
        long perToken = 2L * 2 * 64 * 4;                                     // tiny fp32: 2 layers x K, V x 64 x 4 bytes
        for (JsonObject r : q) {
            // the decode steps after the default prompt of half the passage: query positions 32..62
            assertEquals(2 * (63 - 32), r.get("scored_positions").getAsInt());
            int budget = r.get("kv_budget_tokens").getAsInt();
            boolean holdsAll = budget >= 64;
            assertEquals(holdsAll, r.get("kl_full_strategy_nats").getAsDouble() < 1e-6, r.toString());
            assertEquals(Math.min(budget, 64) * perToken, r.get("kv_bytes_held").getAsLong(), r.toString());
        }
        assertEquals(2, jsonLines(dir.resolve("out/attention.jsonl")).size());        // tiny has 2 layers
        assertChart(dir.resolve("out"), "time_per_token_vs_length");
        assertChart(dir.resolve("out"), "quality_vs_kv_memory");
        assertChart(dir.resolve("out"), "perplexity_vs_position");
        assertTrue(o.out().contains("Long generation to 40 tokens"), o.out());
    }

    @Test
    void badFlagsExitWithCode2AndOneClearLine(@TempDir Path dir) {
        assertBad(bench("--strategies", "fancy"), "unknown cache strategy 'fancy'");
        assertBad(bench("--strategies", "contiguous:huge"), "unknown strategy variant");
        assertBad(bench("--rates", "fast"), "request rate");
        assertBad(bench("--workload", "zipf"), "--workload must be");
        assertBad(bench("--preset", "full", "--requests", "3"), "--preset defines the workload");
        assertBad(bench("--preset", "huge"), "unknown --preset 'huge'");
        assertBad(bench("--config", dir.resolve("missing.json").toString()), "cannot read --config");
        assertBad(bench("--only", "nothing"), "--only: no part named 'nothing'");
        assertBad(bench("--batch-limits", "x"), "--batch-limits");
    }

    private static void assertBad(Outcome o, String message) {
        assertEquals(KvlabCli.BAD_INPUT, o.code(), o.err());
        assertTrue(o.err().contains(message), o.err());
        assertTrue(o.err().lines().count() <= 2, "one line (plus a hint): " + o.err());
        assertTrue(!o.err().contains("\tat "), "no stack trace: " + o.err());
    }

    private static void assertChart(Path dir, String name) throws IOException {
        byte[] png = Files.readAllBytes(dir.resolve("charts/" + name + ".png"));
        assertArrayEquals(PNG, Arrays.copyOf(png, 8), name);
        assertTrue(Files.readString(dir.resolve("charts/" + name + ".svg")).contains("<svg"), name);
    }

    private static List<JsonObject> jsonLines(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }
}
