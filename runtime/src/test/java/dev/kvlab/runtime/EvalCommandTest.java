package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.cache.CacheOptions;
import dev.kvlab.runtime.cli.EvalCommand;
import dev.kvlab.runtime.cli.KvlabCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kvlab eval} as a user runs it: the JSON fields equal a direct computation; bad input exits 2. */
class EvalCommandTest {
    @Command(name = "kvlab")
    static final class Root {
    }

    record Outcome(int code, String out, String err) {
    }

    static Outcome eval(String... more) {
        String[] base = {"eval", "--model", "tiny-random", "--threads", "1", "--device", "cpu"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = KvlabCli.create(new Root(), new EvalCommand());
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    @Test
    void idsFileJsonMatchesDirectComputation(@TempDir Path dir) throws IOException {
        int[] ids = {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 198, 464};
        Path f = dir.resolve("ids.txt");
        Files.writeString(f, "464, 2068 7586,21831\n18045 625,262 16931\t3290 13 198 464\n");
        Outcome o = eval("--ids-file", f.toString(), "--cache", "ring", "--window", "8", "--sinks", "2", "--chunk",
                "3", "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject j = JsonParser.parseString(o.out().trim()).getAsJsonObject();
        Perplexity direct = Perplexity.of(Models.get("tiny"),
                new CachedTeacherForcing("ring", CacheOptions.DEFAULTS.withWindow(8, 2), 0, 1), ids);
        assertEquals(ids.length - 1, j.get("num_tokens").getAsLong());
        assertEquals(direct.nllPerToken(), j.get("nll_per_token").getAsDouble(), 1e-5);
        assertEquals(Math.exp(j.get("nll_per_token").getAsDouble()), j.get("perplexity").getAsDouble(), 1e-9);
    }

    @Test
    void anEvictionPolicyEvictsAndNamesItsOptionsFromItsDescription(@TempDir Path dir) throws IOException {
        int[] ids = {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 198, 464, 7586, 625, 13, 3290};
        Path f = dir.resolve("ids.txt");
        Files.writeString(f, java.util.Arrays.toString(ids).replaceAll("[\\[\\]]", ""));
        Outcome o = eval("--ids-file", f.toString(), "--cache", "h2o", "--budget", "4", "--block-size", "4",
                "--chunk", "3", "--prompt", "6", "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject j = JsonParser.parseString(o.out().trim()).getAsJsonObject();
        assertEquals(4, j.get("budget").getAsInt());
        assertEquals("token", j.get("granularity").getAsString());
        assertTrue(!j.has("window"), "h2o does not read the window: " + j);
        CacheOptions h2o = CacheOptions.DEFAULTS.withBlockSize(4).withEviction(
                dev.kvlab.cache.EvictionOptions.DEFAULTS.withBudget(4));
        Perplexity direct = Perplexity.of(Models.get("tiny"), new CachedTeacherForcing("h2o", h2o, 0, 3, 6), ids);
        Perplexity full = Perplexity.of(Models.get("tiny"), new CachedTeacherForcing("paged", h2o, 0, 3, 6), ids);
        assertEquals(direct.nllPerToken(), j.get("nll_per_token").getAsDouble(), 1e-5);
        assertTrue(Math.abs(direct.nllPerToken() - full.nllPerToken()) > 1e-4, "a budget of 4 must change the score");
        // 4 tokens per layer between steps, in blocks of 4 (fp32 tiny: 2 layers x 2 x 64 x 4 bytes per token)
        assertEquals(4L * 2 * 2 * 64 * 4, j.get("kv_peak_held_bytes").getAsLong());
        Outcome text = eval("--ids-file", f.toString(), "--cache", "ring", "--window", "8", "--sinks", "2");
        assertTrue(text.out().contains("(ring window 8 sinks 2,"), text.out());
    }

    @Test
    void textFileIsEncodedWithTheModelsTokenizer(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "In the beginning God created the heaven and the earth.");
        Outcome o = eval("--text-file", f.toString(), "--json");
        assertEquals(0, o.code(), o.err());
        assertTrue(JsonParser.parseString(o.out().trim()).getAsJsonObject().get("num_tokens").getAsLong() > 5);
    }

    @Test
    void badInputExitsTwoWithOneLine(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "1, 2, x3");
        Path big = dir.resolve("big.txt");
        Files.writeString(big, "1 99999999");
        Path one = dir.resolve("one.txt");
        Files.writeString(one, "5");
        Path two = dir.resolve("two.txt");
        Files.writeString(two, "5 6");
        for (String[] args : new String[][] {{"--ids-file", bad.toString()}, {"--ids-file", big.toString()},
            {"--ids-file", one.toString()}, {"--ids-file", dir.resolve("missing").toString()},
            {"--ids-file", one.toString(), "--chunk", "0"}, {"--ids-file", one.toString(), "--prompt", "-1"},
            {"--ids-file", two.toString(), "--prompt", "100000"}}) {
            Outcome o = eval(args);
            assertEquals(KvlabCli.BAD_INPUT, o.code(), String.join(" ", args) + ": " + o.err());
            assertEquals(1, o.err().strip().lines().count(), o.err());
        }
    }
}
