package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.runtime.cli.CheckpointCommand;
import dev.kvlab.runtime.cli.GenerateCommand;
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

/** {@code kvlab generate} and {@code checkpoint} as a user runs them: output fields, and exit 2 on bad input. */
class CommandLineTest {
    @Command(name = "kvlab")
    static final class Root {
    }

    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            CommandLine cl = KvlabCli.create(new Root(), new GenerateCommand(), new CheckpointCommand());
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err + errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Outcome generate(String... more) {
        String[] base = {"generate", "--model", "tiny-random", "--threads", "1", "--device", "cpu"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return run(all);
    }

    @Test
    void jsonLineHasTheDocumentedFieldsAndTheFixtureTokens() {
        Outcome o = generate("--prompt-ids", "464,2068,7586,21831,18045,625,262,16931", "--max-new-tokens", "5",
                "--ignore-eos", "--json", "--cache", "paged");
        assertEquals(0, o.code(), o.err());
        JsonObject j = JsonParser.parseString(o.out().trim()).getAsJsonObject();
        for (String f : new String[] {"prompt_ids", "generated_ids", "text", "ttft_ms", "tpot_ms", "tokens_per_s",
            "kv_peak_reserved_bytes", "kv_waste_pct"}) {
            assertTrue(j.has(f), "missing " + f + " in " + j);
        }
        assertEquals("[30000,30000,30000,14236,30000]", j.get("generated_ids").toString());   // HF fixture, tiny "fox"
    }

    @Test
    void badInputExitsWithCode2AndOneClearLine() {
        assertBad(generate("--prompt", "hi", "--bogus"), "Unknown option");
        assertBad(generate("--prompt", "hi", "--cache", "fancy"), "unknown cache strategy 'fancy'");
        assertBad(generate("--prompt", "hi", "--max-new-tokens", "zero"), "--max-new-tokens");
        assertBad(generate("--prompt", ""), "prompt is empty");
        assertBad(generate("--prompt-ids", "1,x"), "--prompt-ids");
        assertBad(generate("--prompt-ids", "60000"), "outside the vocabulary");
        assertBad(generate("--prompt-ids", ids(1025)), "context is 1024");
        assertBad(generate("--prompt-ids", ids(1000), "--max-new-tokens", "100"), "lower --max-new-tokens to at most 24");
        assertBad(generate("--prompt", "hi", "--kv-budget-tokens", "4"), "rejected");
        assertBad(generate("--prompt", "hi", "--temperature", "-1"), "temperature");
        assertBad(run("generate", "--model", "tiny-random", "--prompt", "hi", "--device", "tpu"), "unknown device");
        assertBad(generate("--prompt", "hi", "--cache", "ring", "--window", "4", "--sinks", "4"), "sinks");
        assertBad(run("generate", "--model", "/nonexistent/gpt2", "--prompt", "hi"), "neither a directory");
        assertBad(generate("--prompt", "hi", "--cache", "h2o", "--budget", "-1"), "--budget");
        assertBad(generate("--prompt", "hi", "--cache", "h2o", "--granularity", "page"), "--granularity");
    }

    @Test
    void anEvictionPolicyGeneratesUnderABudget() {
        Outcome o = generate("--prompt-ids", "464,2068,7586,21831,18045,625,262,16931", "--max-new-tokens", "12",
                "--ignore-eos", "--json", "--cache", "h2o", "--budget", "6", "--granularity", "block",
                "--block-size", "2");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("\"finish_reason\":\"length\""), o.out());
    }

    @Test
    void corruptCheckpointsAndBadPromptFilesExitWith2(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("broken");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), "{\"vocab_size\": 50257, \"n_positions\": 1024, "
                + "\"n_embd\": 64, \"n_layer\": 2, \"n_head\": 4}");
        Files.write(model.resolve("model.safetensors"), new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0x7f, 1, 2});
        assertBad(run("generate", "--model", model.toString(), "--prompt", "hi"), "model.safetensors");
        Path prompts = dir.resolve("p.jsonl");
        Files.writeString(prompts, "{\"id\": \"a\", \"prompt_ids\": [1, 2]}\n{\"id\": \"b\", \"prompt\": 3, \"prompt_ids\": [4]}\n");
        assertBad(generate("--prompts-file", prompts.toString()), "line 2");
        Files.writeString(prompts, "not json\n");
        assertBad(generate("--prompts-file", prompts.toString()), "line 1");
    }

    @Test
    void checkpointWritesADirectoryThatGenerateLoads(@TempDir Path dir) {
        Path out = dir.resolve("tiny");
        assertEquals(0, run("checkpoint", "--preset", "tiny", "--out", out.toString()).code());
        Outcome o = run("generate", "--model", out.toString(), "--threads", "1", "--prompt-ids",
                "464,2068,7586,21831,18045,625,262,16931", "--max-new-tokens", "3", "--ignore-eos", "--json");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("\"generated_ids\":[30000,30000,30000]"), o.out());
        assertBad(run("checkpoint", "--preset", "tiny", "--out", out.toString()), "not empty");
        assertBad(run("checkpoint", "--preset", "gpt5", "--out", dir.resolve("x").toString()), "gpt5");
    }

    private static void assertBad(Outcome o, String expected) {
        assertEquals(KvlabCli.BAD_INPUT, o.code(), "exit code; stderr: " + o.err());
        assertTrue(o.err().contains(expected), "expected '" + expected + "' in: " + o.err());
        assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
    }

    private static String ids(int n) {
        StringBuilder b = new StringBuilder("1");
        for (int i = 1; i < n; i++) {
            b.append(",1");
        }
        return b.toString();
    }
}
