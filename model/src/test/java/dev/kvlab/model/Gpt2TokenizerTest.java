package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in GPT-2 tokenizer: golden ids, no truncation, special token, and agreement with jtokkit r50k. */
class Gpt2TokenizerTest {
    private static Gpt2Tokenizer tok;
    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        tok = Gpt2Tokenizer.builtin();
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void goldenIds() {
        // agreed by DJL, jtokkit, npm gpt-3-encoder and OpenAI's encoder.py (design/tokenizer.md)
        int[] ids = tok.encode("Hello world! It's 2024 🤖");
        assertArrayEquals(new int[] {15496, 995, 0, 632, 338, 48609, 12520, 97, 244}, ids);
        assertEquals("Hello world! It's 2024 🤖", tok.decode(ids));
    }

    @Test
    void endOfTextIsOneSpecialIdAndSurvivesDecode() {
        int[] ids = tok.encode("a<|endoftext|>b");
        assertArrayEquals(new int[] {64, 50256, 65}, ids);
        assertEquals("<|endoftext|>", tok.decode(new int[] {50256}));
        assertEquals("a<|endoftext|>b", tok.decode(ids));
    }

    @Test
    void longTextIsNotTruncated() {
        String text = " the quick brown fox".repeat(500);            // 4 tokens per repeat
        int[] ids = tok.encode(text);
        assertEquals(2000, ids.length);
        assertEquals(text, tok.decode(ids));
    }

    @Test
    void emptyAndOutOfRangeInputs() {
        assertEquals(0, tok.encode("").length);
        assertEquals("", tok.decode(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {50257}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }

    @Test
    void agreesWithJtokkitR50kAndRoundTripsOnVariedText() {
        Encoding r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        List<String> texts = variedTexts(400, 7);
        for (String t : texts) {
            int[] ids = tok.encode(t);
            assertArrayEquals(r50k.encodeOrdinary(t).toArray(), ids, () -> "text: " + t);
            assertEquals(t, tok.decode(ids), () -> "round trip: " + t);
        }
    }

    @Test
    void forModelPrefersTheDirectoryTokenizerAndChecksItsIds() throws Exception {
        Files.write(tmp.resolve("tokenizer.json"), Gpt2Tokenizer.builtinJson());
        try (Gpt2Tokenizer fromDir = Gpt2Tokenizer.forModel(tmp, 50257)) {
            assertArrayEquals(tok.encode("kv caching"), fromDir.encode("kv caching"));
        }
        var e = assertThrows(ModelLoadException.class, () -> Gpt2Tokenizer.forModel(tmp, 50000));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("50000"), e.getMessage());
    }

    @Test
    void forModelFallsBackToBuiltinOnlyForGpt2Vocab() {
        Path empty = tmp.resolve("none");
        try (Gpt2Tokenizer t = Gpt2Tokenizer.forModel(empty, 50257)) {
            assertEquals(3, t.encode("one two three").length);
        }
        var e = assertThrows(ModelLoadException.class, () -> Gpt2Tokenizer.forModel(empty, 16));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    /** Seeded mixes of words, numbers, contractions, whitespace runs, punctuation, code and non-Latin scripts. */
    static List<String> variedTexts(int n, long seed) {
        String[] pieces = {"Hello", " world", "!", " It's", " we'll", " they've", " I'm", " she'd", " don't", "'re",
            " 2024", " 3.14159", " 1,000,000", " 0x7FFF", "  ", "   ", "\t", "\n", "\n\n", " \n ", "\r\n",
            " café", " naïve", " Ärger", " straße", " Ελληνικά", " русский", " 日本語のテキスト", " 中文", " 한국어",
            " العربية", " עברית", " हिन्दी", " ไทย", " 🤖", "🎉🎉", " 👍🏽", " 👨‍👩‍👧", " 🇫🇷", " ∑∫√", " €$£¥",
            "\u00a0", "\u2003", "\u3000", "\u200b", "\ufeff", " <html>", "</div>", " {\"key\": [1, 2]}",
            " https://example.com/a?b=c&d=e", " foo_bar(baz);", " x += 1;", " // comment", " #include <stdio.h>",
            " ...", ",,,", " ---", " ''", " \"quoted\"", " (parens)", " e.g.", " U.S.A.", " CamelCaseWord",
            " snake_case_word", " ALLCAPS", " a", " b", " the", " quick", " brown", " fox", " jumps", " lazy",
            " dog", "'s", " s'", " 12abc", " abc12", " ½", " ①", " x²", " Ⅻ"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(List.of(pieces));
        while (out.size() < n) {
            StringBuilder sb = new StringBuilder();
            int k = 1 + r.nextInt(12);
            for (int i = 0; i < k; i++) {
                sb.append(pieces[r.nextInt(pieces.length)]);
            }
            out.add(sb.toString());
        }
        return out;
    }
}
