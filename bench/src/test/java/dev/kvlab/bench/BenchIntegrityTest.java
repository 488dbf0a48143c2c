package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.bench.BenchCommandSmokeTest.Outcome;
import dev.kvlab.runtime.cli.KvlabCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 items 3, 8, 10 and 11 for {@code kvlab bench}, as reproduced: --out refused before measuring, a reused
 * --out refused unless --overwrite, --resume skips finished runs, all-rejected runs exit non-zero, ring quality past
 * n_positions and tiny rates refused, corrupt meta.json and huge --requests one line each.
 */
class BenchIntegrityTest {
    static final String[] SMALL = {"--requests", "3", "--prompt-tokens", "6", "--output-tokens", "3"};

    @TempDir
    Path dir;

    static Outcome bench(String... args) {
        return BenchCommandSmokeTest.bench(args);
    }

    static String[] with(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertBadBeforeMeasuring(Outcome o, String expected) {
        assertEquals(KvlabCli.BAD_INPUT, o.code(), o.err());
        assertTrue(o.err().contains(expected), "expected '" + expected + "' in: " + o.err());
        assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
        assertFalse(o.out().contains("output tok/s"), "nothing measured: " + o.out());
    }

    @Test
    void outIsCreatedAndProbedBeforeMeasuring() throws IOException {
        assertBadBeforeMeasuring(bench(with(SMALL, "--out", "/proc/x")), "cannot create --out /proc/x: ");
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertBadBeforeMeasuring(bench(with(SMALL, "--out", file.toString())), "is a file, not a directory");
        assertBadBeforeMeasuring(bench(with(SMALL, "--out", file.resolve("sub").toString())),
                "cannot create --out " + file.resolve("sub") + ": ");
    }

    @Test
    void aReusedOutIsRefusedUnlessOverwrite() throws IOException {
        Path out = dir.resolve("out");
        assertEquals(0, bench(with(SMALL, "--strategies", "contiguous,paged", "--out", out.toString())).code());
        assertEquals(2, lines(out.resolve("runs.jsonl")).size());
        assertBadBeforeMeasuring(bench(with(SMALL, "--strategies", "ring", "--out", out.toString())),
                "already holds a bench run; give --resume to continue it, --overwrite to replace it");
        Outcome o = bench(with(SMALL, "--strategies", "ring", "--out", out.toString(), "--overwrite"));
        assertEquals(0, o.code(), o.err());
        List<JsonObject> runs = lines(out.resolve("runs.jsonl"));
        assertEquals(1, runs.size(), "the old runs are gone, not mixed in");
        assertTrue(runs.get(0).get("label").getAsString().startsWith("ring"));
        Outcome replot = bench("--replot", out.toString());
        assertEquals(0, replot.code(), replot.err());
        assertFalse(replot.out().contains("paged"), replot.out());
    }

    @Test
    void resumeSkipsTheRunsItHas() throws IOException {
        Path out = dir.resolve("out");
        assertEquals(0, bench(with(SMALL, "--strategies", "contiguous", "--out", out.toString())).code());
        String first = lines(out.resolve("runs.jsonl")).get(0).toString();
        Outcome o = bench(with(SMALL, "--strategies", "contiguous,paged", "--out", out.toString(), "--resume"));
        assertEquals(0, o.code(), o.err());
        List<JsonObject> runs = lines(out.resolve("runs.jsonl"));
        assertEquals(2, runs.size());
        assertEquals(first, runs.get(0).toString(), "the finished run is kept as it was, not measured again");
        assertTrue(runs.get(1).get("label").getAsString().startsWith("paged"));
        assertEquals(6, lines(out.resolve("requests.jsonl")).size());
    }

    @Test
    void everyRunRejectedExitsNonZero() {
        Outcome o = bench(with(SMALL, "--strategies", "contiguous", "--kv-budget-tokens", "4", "--out",
                dir.resolve("out").toString()));
        assertEquals(KvlabCli.BAD_INPUT, o.code(), o.err());
        assertTrue(o.err().contains("in every run no request completed"), o.err());
    }

    @Test
    void impossibleOrEndlessPlansAreRefused() throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.json"), "{\"quality\": {\"length\": 5000, \"budgets\": "
                + "[64]}}");
        assertBadBeforeMeasuring(bench("--config", plan.toString(), "--out", dir.resolve("o").toString()),
                "quality: length 5000 exceeds the model's 1024 positions");
        assertBadBeforeMeasuring(bench(with(SMALL, "--rates", "0.001")), "request rate must be >= 0.01");
        assertBadBeforeMeasuring(bench("--requests", "2000000000"), "--requests must be at most 1000000");
    }

    @Test
    void corruptMetaJsonIsOneLine() throws IOException {
        Path out = Files.createDirectories(dir.resolve("r"));
        for (String meta : new String[] {"", "{\"command\": ", "[]", "{\"command\": 3, \"env\": {}}", "{\"env\": 1}"}) {
            Files.writeString(out.resolve("meta.json"), meta);
            assertBadBeforeMeasuring(bench("--replot", out.toString()), out.resolve("meta.json").toString());
        }
        Files.writeString(out.resolve("meta.json"), "{\"command\": \"x\", \"env\": {}}");
        Files.writeString(out.resolve("runs.jsonl"), "{\"experiment\": \n");
        assertBadBeforeMeasuring(bench("--replot", out.toString()), "runs.jsonl line 1: ");
    }

    @Test
    void rootHelpShowsWholeSentences() {
        java.io.StringWriter w = new java.io.StringWriter();
        picocli.CommandLine cl = KvlabCli.create(KvlabMain.class, new BenchCommand(), new dev.kvlab.bench.jmh.JmhCommand());
        cl.setOut(new java.io.PrintWriter(w, true));
        cl.execute("--help");
        String help = w.toString().replaceAll("\\s+", " ");
        assertTrue(help.contains("jmh Run the JMH microbenchmarks (default: DecodeStepBench); JMH's own options "
                + "pass through."), help);
    }

    static List<JsonObject> lines(Path f) throws IOException {
        return Files.readAllLines(f).stream().filter(l -> !l.isBlank())
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }
}
