package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9 item 6: every coercion found in prompts files is now an error naming the line and key. */
class PromptsFileTest {
    @TempDir
    Path dir;

    private static final GenerationRequest DEFAULTS = new GenerationRequest("d", new int[] {0}, 8,
            new SamplingParams(0, 0, 1.0, 0), false, new int[0]);

    private List<GenerationRequest> read(String... lines) throws IOException {
        Path f = dir.resolve("p.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return PromptsFile.read(f, s -> new int[] {s.length()}, DEFAULTS);
    }

    private String error(String line) throws IOException {
        String ok = "{\"id\": \"ok\", \"prompt_ids\": [1]}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(ok, line));
        assertTrue(e.getMessage().contains("p.jsonl line 2: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void coercionsFoundInIssue9AreErrors() throws IOException {
        assertTrue(error("{\"prompt_ids\": [1], \"max_new_tokens\": 4294967297}").contains("\"max_new_tokens\""));
        assertTrue(error("{\"prompt_ids\": [4294967301]}").contains("\"prompt_ids[0]\""));
        assertTrue(error("{\"prompt_ids\": [3.7]}").contains("got 3.7"));
        assertTrue(error("{\"prompt_ids\": [[1],[2]]}").contains("got an array"));
        assertTrue(error("{\"prompt_ids\": [1], \"ignore_eos\": \"yes\"}").contains("\"ignore_eos\" must be true or false"));
        assertTrue(error("{\"prompt_ids\": [1], \"ignore_eos\": 1}").contains("\"ignore_eos\""));
        assertTrue(error("{\"prompt_ids\": [1], \"top_k\": 2.5}").contains("\"top_k\""));
        assertTrue(error("{\"prompt_ids\": [1], \"seed\": 1, \"seed\": 2}").contains("duplicate key \"seed\""));
        assertTrue(error("{\"prompt_ids\": [1], \"temprature\": 1.2}").contains("unknown key \"temprature\""));
        assertTrue(error("{'prompt_ids': [1]}").contains("malformed JSON"));
        assertTrue(error("{\"prompt_ids\": [1], \"temperature\": 1000}").contains("\"temperature\""));
        assertTrue(error("{\"id\": \"ok\", \"prompt_ids\": [1]}").contains("duplicate id \"ok\""));
        assertTrue(error("{\"prompt\": \"a\", \"prompt_ids\": [1]}").contains("exactly one of"));
        assertTrue(error("{\"prompt_ids\": []}").contains("prompt is empty"));
    }

    @Test
    void validLinesReadExactly() throws IOException {
        List<GenerationRequest> r = read("{\"id\": \"a\", \"prompt_ids\": [1, 2], \"max_new_tokens\": 3, "
                + "\"temperature\": 0.5, \"top_k\": 4, \"top_p\": 0.9, \"seed\": -7, \"ignore_eos\": true, "
                + "\"stop_token_ids\": [9]}", "", "{\"prompt\": \"hey\"}");
        assertEquals(2, r.size());
        GenerationRequest a = r.get(0);
        assertArrayEquals(new int[] {1, 2}, a.promptIds());
        assertEquals(3, a.maxNewTokens());
        assertEquals(new SamplingParams(0.5, 4, 0.9, -7), a.sampling());
        assertTrue(a.ignoreEos());
        assertArrayEquals(new int[] {9}, a.stopTokenIds());
        assertEquals("line-3", r.get(1).id());
        assertArrayEquals(new int[] {3}, r.get(1).promptIds());
        assertEquals(8, r.get(1).maxNewTokens());
    }
}
