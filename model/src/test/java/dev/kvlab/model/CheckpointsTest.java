package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint directories: write/open round trip, HF naming variants, and GPT-2-level validation errors. */
class CheckpointsTest {
    private static final Gpt2Config C = TestCheckpoints.MICRO;
    @TempDir
    Path tmp;

    @Test
    void writeThenOpenRoundTripsConfigTensorsMetadataAndTokenizer() throws Exception {
        TensorSource formula = FormulaWeights.of(C, 3);
        Checkpoints.write(formula, tmp);
        try (TensorSource opened = Checkpoints.open(tmp)) {
            assertEquals(C, opened.config());
            assertEquals(formula.names(), opened.names());
            for (String n : formula.names()) {
                assertEquals(formula.info(n), opened.info(n), n);
                assertEquals(formula.bytes(n), opened.bytes(n), n);
            }
        }
        try (SafetensorsFile st = SafetensorsFile.open(tmp.resolve(Checkpoints.WEIGHTS))) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(Gpt2Weights.expected(C), st.tensors(), "F32, canonical names, table order");
        }
        assertEquals(Gpt2Tokenizer.BUILTIN_SHA256,
                Gpt2Tokenizer.sha256(Files.readAllBytes(tmp.resolve(Checkpoints.TOKENIZER))));
    }

    @Test
    void tinyCheckpointOnDiskGivesTheFixtureLogits() {
        Checkpoints.write(FormulaWeights.of(Gpt2Config.preset("tiny"), 0), tmp);
        HfFixtures.Prompt fox = HfFixtures.prompts("tiny").get("fox");
        try (TensorSource src = Checkpoints.open(tmp)) {
            double[] got = new ReferenceGpt2(src).logits(fox.promptIds());
            float[] want = HfFixtures.logits("tiny", fox.logitsFiles().get(0));
            for (int v = 0; v < want.length; v++) {
                assertEquals(want[v], got[v], HfFixtures.LOGITS_TOLERANCE, "logit " + v);
            }
        }
    }

    @Test
    void hfStyleNamesMaskBuffersAndTiedHeadAreAccepted() {
        Path dir = TestCheckpoints.write(tmp, C, t -> {
            List<TensorInfo> out = new ArrayList<>();
            t.forEach(i -> out.add(TestCheckpoints.renamed(i, Gpt2Weights.HF_PREFIX + i.name())));
            out.add(new TensorInfo("transformer.h.0.attn.bias", DType.F32, new long[] {1, 1, 8, 8}));
            out.add(new TensorInfo("transformer.h.1.attn.masked_bias", DType.F32, new long[] {}));
            out.add(new TensorInfo(Gpt2Weights.LM_HEAD, DType.F32, new long[] {16, 8}));
            return out;
        }, headIsWte());
        try (TensorSource src = Checkpoints.open(dir)) {
            assertEquals(FormulaWeights.of(C, 0).names(), src.names());
            assertEquals("wte.weight", src.info("wte.weight").name());
            assertEquals(FormulaWeights.of(C, 0).bytes("h.1.mlp.c_fc.bias"), src.bytes("h.1.mlp.c_fc.bias"));
            assertThrows(IllegalArgumentException.class, () -> src.bytes("transformer.wte.weight"));
        }
    }

    @Test
    void untiedHeadIsRejected() {
        Path dir = TestCheckpoints.write(tmp, C, t -> append(t, new TensorInfo(Gpt2Weights.LM_HEAD, DType.F32,
                new long[] {16, 8})), name -> name.equals(Gpt2Weights.LM_HEAD) ? ByteBuffer.allocate(16 * 8 * 4)
                : FormulaWeights.of(C, 0).bytes(name));
        assertLoadError(dir, "lm_head.weight", "untied");
    }

    @Test
    void missingTensorWrongShapeExtraTensorAndDuplicatesAreNamed() {
        assertLoadError(edited("missing", t -> drop(t, "ln_f.bias")), "ln_f.bias", "missing");
        assertLoadError(edited("shape", t -> replace(t, new TensorInfo("wpe.weight", DType.F32, new long[] {9, 8}))),
                "wpe.weight", "[9, 8]");
        assertLoadError(edited("extra", t -> append(t, new TensorInfo("h.0.attn.rotary", DType.F32, new long[] {2}))),
                "h.0.attn.rotary");
        assertLoadError(edited("twice", t -> append(t, new TensorInfo("transformer.wte.weight", DType.F32,
                new long[] {16, 8}))), "wte.weight", "twice");
        assertLoadError(edited("layers", t -> t.subList(0, 2 + 12)), "h.1.ln_1.weight", "missing");
    }

    @Test
    void missingDirectoryConfigOrWeightsIsNamed() throws Exception {
        assertLoadError(tmp.resolve("nowhere"), "nowhere", "not found");
        Files.createDirectories(tmp.resolve("empty"));
        assertLoadError(tmp.resolve("empty"), "config.json", "not found");
        Files.writeString(tmp.resolve("empty").resolve(Checkpoints.CONFIG), C.toJson());
        assertLoadError(tmp.resolve("empty"), "model.safetensors", "not found");
    }

    @Test
    void bf16CheckpointOpensAsBf16AndRewritesAsExactF32() {
        TensorSource f = FormulaWeights.of(C, 0);
        Path dir = TestCheckpoints.write(tmp.resolve("bf16"), C, t -> t.stream().map(i -> i.withDtype(DType.BF16))
                .collect(Collectors.toList()), name -> toBf16(f.bytes(name)));
        try (TensorSource bf = Checkpoints.open(dir)) {
            assertEquals(DType.BF16, bf.info("wte.weight").dtype());
            Checkpoints.write(bf, tmp.resolve("f32"));
        }
        try (TensorSource back = Checkpoints.open(tmp.resolve("f32"))) {
            float[] want = DType.BF16.toFloats(toBf16(f.bytes("h.0.attn.c_attn.weight")));
            assertEquals(DType.F32, back.info("h.0.attn.c_attn.weight").dtype());
            assertArrayEquals(want, DType.F32.toFloats(back.bytes("h.0.attn.c_attn.weight")));
        }
    }

    @Test
    void writeRejectsASourceWhoseTensorsDoNotFitItsConfig() {
        TensorSource twoLayers = FormulaWeights.of(C, 0);
        TensorSource liar = new TensorSource() {
            public Gpt2Config config() {
                return new Gpt2Config(16, 8, 8, 3, 2, 32, 1e-5, 15);
            }

            public List<String> names() {
                return twoLayers.names();
            }

            public TensorInfo info(String name) {
                return twoLayers.info(name);
            }

            public ByteBuffer bytes(String name) {
                return twoLayers.bytes(name);
            }

            public void close() {
            }
        };
        assertThrows(IllegalArgumentException.class, () -> Checkpoints.write(liar, tmp.resolve("liar")));
    }

    private Path edited(String name, UnaryOperator<List<TensorInfo>> edit) {
        List<TensorInfo> probe = edit.apply(new ArrayList<>(Gpt2Weights.expected(C)));
        return TestCheckpoints.write(tmp.resolve(name), C, edit, TestCheckpoints.formulaOrZeros(C, probe));
    }

    private static void assertLoadError(Path dir, String... mustMention) {
        var e = assertThrows(ModelLoadException.class, () -> Checkpoints.open(dir).close());
        for (String s : mustMention) {
            assertTrue(e.getMessage().contains(s), "mentions " + s + ": " + e.getMessage());
        }
    }

    private static Function<String, ByteBuffer> headIsWte() {
        TensorSource f = FormulaWeights.of(C, 0);
        return name -> {
            String canonical = name.replace(Gpt2Weights.HF_PREFIX, "");
            if (canonical.equals(Gpt2Weights.LM_HEAD)) {
                return f.bytes("wte.weight");
            }
            return f.names().contains(canonical) ? f.bytes(canonical)
                    : ByteBuffer.allocate(canonical.endsWith("masked_bias") ? 4 : 8 * 8 * 4);
        };
    }

    private static ByteBuffer toBf16(ByteBuffer f32) {
        ByteBuffer in = f32.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(in.remaining() / 2).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            out.putShort((short) (Float.floatToRawIntBits(in.getFloat()) >>> 16));
        }
        return out.flip();
    }

    private static List<TensorInfo> drop(List<TensorInfo> t, String name) {
        t.removeIf(i -> i.name().equals(name));
        return t;
    }

    private static List<TensorInfo> replace(List<TensorInfo> t, TensorInfo with) {
        t.replaceAll(i -> i.name().equals(with.name()) ? with : i);
        return t;
    }

    private static List<TensorInfo> append(List<TensorInfo> t, TensorInfo extra) {
        t.add(extra);
        return t;
    }
}
