package dev.kvlab.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Incremental text with stop strings, against the plain rule "the whole text, cut before the first stop string": a
 * byte-level decoder (token i = one UTF-8 byte, as GPT-2's byte-level BPE can split a character), stop strings
 * spanning tokens, text handed out never taken back.
 */
class TextAssemblerTest {
    /** Token ids are bytes; decoding an incomplete character gives U+FFFD, as the real decoder does. */
    private static final Function<int[], String> BYTES = ids -> {
        byte[] b = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            b[i] = (byte) ids[i];
        }
        return new String(b, StandardCharsets.UTF_8);
    };

    private static int[] tokens(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            ids[i] = b[i] & 0xff;
        }
        return ids;
    }

    /** Feeds {@code text} token by token; returns what was handed out, and checks it never shows U+FFFD. */
    private static String run(String text, List<String> stops, int minTokens, boolean[] stopped) {
        TextAssembler a = new TextAssembler(BYTES, stops, minTokens);
        StringBuilder out = new StringBuilder();
        for (int t : tokens(text)) {
            String delta = a.add(t);
            assertFalse(delta.contains("\uFFFD"), "partial character handed out: " + delta);
            out.append(delta);
            if (a.stopped()) {
                break;
            }
        }
        if (!a.stopped()) {
            out.append(a.finish());
        }
        stopped[0] = a.stopped();
        assertEquals(a.text(), out.toString());
        return out.toString();
    }

    private static String reference(String text, List<String> stops) {
        int cut = stops.stream().mapToInt(text::indexOf).filter(i -> i >= 0).min().orElse(text.length());
        return text.substring(0, cut);
    }

    @Test
    void matchesCutBeforeFirstStopString() {
        List<String> texts = List.of("Hello world, this is the end.", "naïve café — déjà vu 😀 ok", "abcabcabd",
                "no stop here", "xx\n\nyy\n\nzz", "😀😀stop😀");
        List<List<String>> stopSets = List.of(List.of(), List.of("end"), List.of("\n\n"), List.of("abd", "cab"),
                List.of("😀"), List.of("é", "stop"), List.of("zz", "x"));
        boolean[] stopped = new boolean[1];
        for (String text : texts) {
            for (List<String> stops : stopSets) {
                String expected = reference(text, stops);
                assertEquals(expected, run(text, stops, 0, stopped), text + " / " + stops);
                assertEquals(expected.length() < text.length(), stopped[0], text + " / " + stops);
            }
        }
    }

    @Test
    void stopStringsCountOnlyFromMinTokens() {
        boolean[] stopped = new boolean[1];
        // "ab" appears at bytes 0-1 and 4-5; with min_tokens 4 only the second one is checked
        assertEquals("abxx", run("abxxabyy", List.of("ab"), 4, stopped));
        assertTrue(stopped[0]);
        assertEquals("", run("abxxabyy", List.of("ab"), 0, stopped));
    }

    @Test
    void holdsBackOnlyWhatCouldStartAStopString() {
        TextAssembler a = new TextAssembler(BYTES, List.of("END"), 0);
        StringBuilder out = new StringBuilder();
        for (int t : tokens("xEN")) {
            out.append(a.add(t));
        }
        assertEquals("x", out.toString(), "'EN' may start 'END'");
        out.append(a.add(tokens("q")[0]));
        assertEquals("xENq", out.toString());
    }
}
