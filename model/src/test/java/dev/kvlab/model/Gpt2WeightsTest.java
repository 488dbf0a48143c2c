package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class Gpt2WeightsTest {

    @Test
    void parameterCountsMatchOpenAiGpt2() {
        // published sizes of HF's gpt2 and gpt2-medium (LM head tied, so counted once)
        assertEquals(124_439_808L, Gpt2Weights.parameterCount(Gpt2Config.preset("gpt2")));
        assertEquals(354_823_168L, Gpt2Weights.parameterCount(Gpt2Config.preset("gpt2-medium")));
    }

    @Test
    void shapesUseConv1dInOutLayoutAndNInner() {
        Gpt2Config c = new Gpt2Config(100, 16, 8, 3, 2, 20, 1e-5, 99);
        List<TensorInfo> t = Gpt2Weights.expected(c);
        assertEquals(4 + 12 * 3, t.size());
        assertArrayEquals(new long[] {100, 8}, find(t, "wte.weight").shape());
        assertArrayEquals(new long[] {16, 8}, find(t, "wpe.weight").shape());
        assertArrayEquals(new long[] {8, 24}, find(t, "h.2.attn.c_attn.weight").shape());
        assertArrayEquals(new long[] {8, 20}, find(t, "h.1.mlp.c_fc.weight").shape());
        assertArrayEquals(new long[] {20, 8}, find(t, "h.0.mlp.c_proj.weight").shape());
        assertTrue(t.stream().allMatch(i -> i.dtype() == DType.F32));
    }

    @Test
    void maskBuffersAreRecognisedButWeightsAreNot() {
        assertTrue(Gpt2Weights.isMaskBuffer("h.3.attn.bias"));
        assertTrue(Gpt2Weights.isMaskBuffer("h.0.attn.masked_bias"));
        assertFalse(Gpt2Weights.isMaskBuffer("h.0.attn.c_attn.bias"));
        assertFalse(Gpt2Weights.isMaskBuffer("h.0.mlp.c_proj.bias"));
    }

    private static TensorInfo find(List<TensorInfo> t, String name) {
        return t.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }
}
