package dev.kvlab.bench.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/JAVA_API.md's example, compiled from the page and run on tiny-random: it streams every token of both
 * requests, in order, and finishes both by length.
 */
class JavaApiExampleTest {
    @Test
    void theJavaApiExampleCompilesAndStreamsTokens(@TempDir Path dir) throws Exception {
        List<String> sources = DocExamples.classes("JAVA_API.md");
        assertEquals(1, sources.size(), "one example class");
        String out = DocExamples.runMain(DocExamples.compile(sources, dir), "ApiExample", "tiny-random");
        for (String prompt : List.of("The quick brown fox", "Once upon a time")) {
            for (int i = 0; i < 12; i++) {
                assertTrue(out.contains(prompt + " #" + i + ": "), prompt + " token " + i + "\n" + out);
            }
            assertTrue(out.indexOf(prompt + " #11: ") < out.indexOf(prompt + " -> "), "tokens before the result");
            assertTrue(out.contains(prompt + " -> ") && out.contains("(LENGTH, TTFT"), out);
        }
        assertTrue(out.lines().anyMatch(l -> l.startsWith("steps ") && l.contains("peak KV reserved")), out);
    }
}
