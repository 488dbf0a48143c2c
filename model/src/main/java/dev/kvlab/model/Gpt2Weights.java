package dev.kvlab.model;

import java.util.ArrayList;
import java.util.List;

/**
 * THE table of GPT-2 tensor names and shapes, in Hugging Face's checkpoint layout.
 *
 * <p>E = {@code nEmbd}, I = {@code nInner}, V = {@code vocabSize}, P = {@code nPositions}. The projections
 * are HF {@code Conv1D} layers, stored {@code [in, out]} (the transpose of {@code nn.Linear}): the forward
 * pass computes {@code y = x @ W + b}. {@code c_attn}'s output columns are {@code [q | k | v]}, each E wide,
 * heads contiguous within each. The LM head is tied: {@code logits = ln_f(x) @ wte^T}.
 *
 * <pre>
 * wte.weight                [V, E]     token embedding (and LM head)
 * wpe.weight                [P, E]     position embedding
 * h.{i}.ln_1.weight/.bias   [E]
 * h.{i}.attn.c_attn.weight  [E, 3E]    .bias [3E]
 * h.{i}.attn.c_proj.weight  [E, E]     .bias [E]
 * h.{i}.ln_2.weight/.bias   [E]
 * h.{i}.mlp.c_fc.weight     [E, I]     .bias [I]
 * h.{i}.mlp.c_proj.weight   [I, E]     .bias [E]
 * ln_f.weight/.bias         [E]
 * </pre>
 */
public final class Gpt2Weights {
    /** Prefix HF's {@code GPT2LMHeadModel} puts before every name above. */
    public static final String HF_PREFIX = "transformer.";
    /** The tied LM head's name in an HF {@code GPT2LMHeadModel} state dict. */
    public static final String LM_HEAD = "lm_head.weight";

    private Gpt2Weights() {
    }

    /** Every tensor of a GPT-2 with config {@code c}, in checkpoint order, each with dtype F32. */
    public static List<TensorInfo> expected(Gpt2Config c) {
        long e = c.nEmbd();
        long inner = c.nInner();
        List<TensorInfo> t = new ArrayList<>(4 + 12 * c.nLayer());
        t.add(f32("wte.weight", c.vocabSize(), e));
        t.add(f32("wpe.weight", c.nPositions(), e));
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "h." + i + ".";
            t.add(f32(h + "ln_1.weight", e));
            t.add(f32(h + "ln_1.bias", e));
            t.add(f32(h + "attn.c_attn.weight", e, 3 * e));
            t.add(f32(h + "attn.c_attn.bias", 3 * e));
            t.add(f32(h + "attn.c_proj.weight", e, e));
            t.add(f32(h + "attn.c_proj.bias", e));
            t.add(f32(h + "ln_2.weight", e));
            t.add(f32(h + "ln_2.bias", e));
            t.add(f32(h + "mlp.c_fc.weight", e, inner));
            t.add(f32(h + "mlp.c_fc.bias", inner));
            t.add(f32(h + "mlp.c_proj.weight", inner, e));
            t.add(f32(h + "mlp.c_proj.bias", e));
        }
        t.add(f32("ln_f.weight", e));
        t.add(f32("ln_f.bias", e));
        return List.copyOf(t);
    }

    /** Name of tensor {@code suffix} (e.g. {@code "attn.c_attn.weight"}) in block {@code layer}. */
    public static String layer(int layer, String suffix) {
        return "h." + layer + "." + suffix;
    }

    /** Total parameters (elements) of the table for {@code c}; the tied LM head is counted once. */
    public static long parameterCount(Gpt2Config c) {
        return expected(c).stream().mapToLong(TensorInfo::numel).sum();
    }

    /**
     * True for the causal-mask buffers older HF checkpoints store ({@code h.{i}.attn.bias},
     * {@code h.{i}.attn.masked_bias}; name without prefix). They are not weights and are ignored on load.
     */
    public static boolean isMaskBuffer(String name) {
        return name.startsWith("h.") && (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias"));
    }

    private static TensorInfo f32(String name, long... shape) {
        return new TensorInfo(name, DType.F32, shape);
    }
}
