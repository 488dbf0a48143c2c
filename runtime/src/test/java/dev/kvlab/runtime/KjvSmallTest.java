package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.cache.CacheOptions;
import dev.kvlab.model.Checkpoints;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.ReferenceGpt2;
import dev.kvlab.model.ShippedCheckpoint;
import dev.kvlab.model.TensorSource;
import dev.kvlab.model.torch.ComputeDType;
import dev.kvlab.model.torch.DeviceKind;
import dev.kvlab.model.torch.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped trained model {@code kjv-small}: its files match their pins, it loads as a built-in, its tokenizer
 * (DJL) encodes the held-out text exactly as the training tool (Python) did, greedy generation is deterministic and
 * equals the plain-Java double reference, and kvlab's teacher-forced perplexity of a held-out passage equals the
 * reference's within 1e-4 relative.
 */
class KjvSmallTest {
    /** From {@code tools/kjv_baselines.py}: held-out token count and first ids, by the Python BPE encoder. */
    private static final int HELDOUT_TOKENS = 45545;
    private static final int[] HELDOUT_FIRST_IDS = {4095, 82, 2451, 979, 10, 834, 353, 471, 289, 612, 286, 258, 673,
        436, 258, 3057, 961, 640, 44, 298, 383, 370, 259, 2154, 286, 258, 489, 46, 569, 259, 1335, 403};
    /** From {@code tools/kjv_baselines.py}: the held-out unigram perplexity (an untrained model scores ~4096). */
    private static final double UNIGRAM_PERPLEXITY = 457.87;

    private static LoadedModel model;
    private static int[] heldout;

    @BeforeAll
    static void load() {
        model = LoadedModel.load("kjv-small", 0, new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        heldout = model.tokenizer().encode(ShippedCheckpoint.KJV_SMALL.heldoutText());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void shippedFilesMatchTheirPinsAndLoad() {
        for (ShippedCheckpoint.PinnedFile f : ShippedCheckpoint.KJV_SMALL.files()) {
            ShippedCheckpoint.KJV_SMALL.verifiedBytes(f);                  // throws on a sha256 mismatch
        }
        Gpt2Config c = model.config();
        assertEquals(List.of(4096, 1024, 256, 4, 4), List.of(c.vocabSize(), c.nPositions(), c.nEmbd(), c.nLayer(),
                c.nHead()));
        assertEquals(4095, c.eosTokenId());
    }

    @Test
    void tokenizerMatchesTheTrainingTool() {
        assertEquals(HELDOUT_TOKENS, heldout.length);
        assertArrayEquals(HELDOUT_FIRST_IDS, Arrays.copyOf(heldout, HELDOUT_FIRST_IDS.length));
        String text = "And God said, Let there be light: and there was light.";
        assertEquals(text, model.tokenizer().decode(model.tokenizer().encode(text)));
    }

    @Test
    void greedyGenerationIsDeterministicAndEqualsTheReference() {
        int[] prompt = model.tokenizer().encode("In the beginning");
        int[] first = generate("contiguous", prompt, 24);
        assertArrayEquals(first, generate("contiguous", prompt, 24));
        assertArrayEquals(first, generate("paged", prompt, 24));
        try (TensorSource src = Checkpoints.open(ShippedCheckpoint.KJV_SMALL.directory())) {
            assertArrayEquals(Arrays.copyOf(first, 8), new ReferenceGpt2(src).greedy(prompt, 8, true));
        }
    }

    @Test
    void heldOutPerplexityEqualsTheDoubleReference() {
        int[] passage = Arrays.copyOfRange(heldout, 1024, 1024 + 512);
        Perplexity kvlab = Perplexity.of(model.model(), new CachedTeacherForcing("paged", CacheOptions.DEFAULTS, 0, 64),
                passage);
        double[][] ref;
        try (TensorSource src = Checkpoints.open(ShippedCheckpoint.KJV_SMALL.directory())) {
            ref = new ReferenceGpt2(src).allLogits(passage);
        }
        double nll = 0;
        for (int p = 0; p + 1 < passage.length; p++) {
            nll += logSumExp(ref[p]) - ref[p][passage[p + 1]];
        }
        double refPerplexity = Math.exp(nll / (passage.length - 1));
        assertEquals(passage.length - 1, kvlab.numTokens());
        assertEquals(refPerplexity, kvlab.perplexity(), 1e-4 * refPerplexity);
        // it learned: far below the unigram (it does not beat the bigram yet, see tools/README.md)
        assertTrue(kvlab.perplexity() < UNIGRAM_PERPLEXITY / 3, "trained model perplexity " + kvlab.perplexity()
                + " should be far below the unigram's " + UNIGRAM_PERPLEXITY);
    }

    @Test
    void checkpointCommandWritesThePinnedFiles(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("kjv");
        CommandLineTest.Outcome o = CommandLineTest.run("checkpoint", "--preset", "kjv-small", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        for (ShippedCheckpoint.PinnedFile f : ShippedCheckpoint.KJV_SMALL.files()) {
            assertArrayEquals(ShippedCheckpoint.KJV_SMALL.verifiedBytes(f), Files.readAllBytes(out.resolve(f.fileName())),
                    f.fileName());
        }
        try (TensorSource src = Checkpoints.open(out)) {
            assertEquals(model.config(), src.config());
        }
    }

    private static int[] generate(String strategy, int[] prompt, int n) {
        try (Engine e = new Engine(model.model(), EngineConfig.DEFAULTS.withStrategy(strategy))) {
            return e.runToCompletion(List.of(GenerationRequest.greedy("g", prompt, n, true))).get(0).generatedIds();
        }
    }

    private static double logSumExp(double[] x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double s = 0;
        for (double v : x) {
            s += Math.exp(v - max);
        }
        return max + Math.log(s);
    }
}
