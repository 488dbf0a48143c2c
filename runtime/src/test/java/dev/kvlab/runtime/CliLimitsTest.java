package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.model.torch.RuntimeOptions;
import dev.kvlab.runtime.CommandLineTest.Outcome;
import dev.kvlab.runtime.CommandLineTest.Root;
import dev.kvlab.runtime.cli.CheckpointCommand;
import dev.kvlab.runtime.cli.GenerateCommand;
import dev.kvlab.runtime.cli.KvlabCli;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 9 items 1, 7, 8, 9 and 11 as reproduced with {@code kvlab generate}: every numeric flag bounded, sizes
 * computed in long and checked against memory before allocating, write failures detected, messages one line.
 */
class CliLimitsTest {
    private static void assertOneLineBadInput(Outcome o, String expected) {
        assertEquals(KvlabCli.BAD_INPUT, o.code(), "exit code; stderr: " + o.err());
        assertTrue(o.err().contains(expected), "expected '" + expected + "' in: " + o.err());
        assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
        assertFalse(o.err().contains("\tat "), o.err());
    }

    @Test
    void threadsAreBounded() {
        int max = RuntimeOptions.maxThreads();
        assertOneLineBadInput(CommandLineTest.run("generate", "--model", "tiny-random", "--prompt", "Hello world",
                "--max-new-tokens", "3", "--threads", "10000"), "--threads must be in [0, " + max + "]");
        assertOneLineBadInput(CommandLineTest.run("generate", "--model", "tiny-random", "--prompt", "Hello world",
                "--threads", "-1"), "--threads must be in");
    }

    @Test
    void budgetArithmeticDoesNotWrapAndIsCheckedAgainstMemory() {
        assertOneLineBadInput(CommandLineTest.generate("--prompt", "hi", "--max-seqs", "4194305"),
                "4294968320 tokens, is more than a pool can index");
        assertOneLineBadInput(CommandLineTest.generate("--prompt", "hi", "--max-seqs", "3000000"),
                "more than a pool can index");
        assertOneLineBadInput(CommandLineTest.generate("--prompt", "hi", "--kv-budget-tokens", "2000000000"),
                "the KV pool needs");
        assertOneLineBadInput(CommandLineTest.generate("--prompt", "hi", "--kv-budget-bytes", "1000000000000000"),
                "the KV pool needs");
    }

    @Test
    void messagesAreOneClearLine(@TempDir Path dir) throws IOException {
        Outcome unknown = CommandLineTest.generate("--prompt", "hi", "--bogus");
        assertOneLineBadInput(unknown, "(try 'kvlab generate --help')");
        assertFalse(unknown.err().contains("kvlab kvlab"), unknown.err());
        assertOneLineBadInput(CommandLineTest.generate("--prompt-ids", ids(1024), "--max-new-tokens", "1"),
                "fills the model's 1024 positions: no room to generate");
        assertOneLineBadInput(CommandLineTest.generate("--prompts-file", dir.resolve("none.jsonl").toString()),
                "cannot read prompts file " + dir.resolve("none.jsonl") + ": no such file or directory");
        Path quotes = dir.resolve("q.jsonl");
        Files.writeString(quotes, "{'prompt_ids': [1]}\n");
        Outcome q = CommandLineTest.generate("--prompts-file", quotes.toString());
        assertOneLineBadInput(q, "q.jsonl line 1: malformed JSON");
        assertFalse(q.err().contains("LENIENT") || q.err().contains("Json"), q.err());
    }

    @Test
    void outputThatCannotBeWrittenExits1() {
        PrintStream old = System.out;
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    throw new IOException("No space left on device");
                }
            }, true));
            CommandLine cl = KvlabCli.create(new Root(), new GenerateCommand(), new CheckpointCommand());
            cl.setErr(new PrintWriter(err, true));
            code = KvlabCli.run(cl, "generate", "--model", "tiny-random", "--threads", "1", "--prompt", "hi",
                    "--max-new-tokens", "2", "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(KvlabCli.FAILURE, code, err.toString());
        assertTrue(err.toString().contains("could not write the output"), err.toString());
    }

    private static String ids(int n) {
        return "1" + ",1".repeat(n - 1);
    }
}
