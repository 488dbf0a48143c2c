package dev.kvlab.model;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hyper-parameters of a GPT-2 model, named as in Hugging Face's {@code GPT2Config}.
 *
 * <p>Invariants (checked by the constructor): every size is positive, {@code nEmbd % nHead == 0}, and
 * {@code 0 <= eosTokenId < vocabSize}. GPT-2 here always means: learned position embeddings, pre-LN
 * blocks, tanh-approximated GELU, attention scaled by {@code 1/sqrt(headDim)}, and the LM head tied to
 * {@code wte}.
 *
 * @param vocabSize        rows of {@code wte} (50257 for OpenAI's GPT-2)
 * @param nPositions       rows of {@code wpe}: the longest sequence the model can see
 * @param nEmbd            hidden size E
 * @param nLayer           transformer blocks
 * @param nHead            attention heads per block
 * @param nInner           MLP hidden size (HF: {@code n_inner}, null meaning 4E)
 * @param layerNormEpsilon epsilon added to the variance in every layer norm
 * @param eosTokenId       the end-of-text token ({@code <|endoftext|>} = 50256 for GPT-2)
 */
public record Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, int nInner,
                         double layerNormEpsilon, int eosTokenId) {

    /** GPT-2's vocabulary size and end-of-text id, shared by every OpenAI GPT-2 size. */
    public static final int GPT2_VOCAB = 50257;
    public static final int GPT2_EOS = 50256;

    private static final Map<String, Gpt2Config> PRESETS = presets();

    public Gpt2Config {
        if (vocabSize <= 0 || nPositions <= 0 || nEmbd <= 0 || nLayer <= 0 || nHead <= 0 || nInner <= 0) {
            throw new IllegalArgumentException("GPT-2 sizes must be positive: " + describe(vocabSize, nPositions,
                    nEmbd, nLayer, nHead, nInner));
        }
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not divisible by n_head " + nHead);
        }
        if (!(layerNormEpsilon > 0) || Double.isInfinite(layerNormEpsilon)) {
            throw new IllegalArgumentException("layer_norm_epsilon must be positive and finite: " + layerNormEpsilon);
        }
        if (eosTokenId < 0 || eosTokenId >= vocabSize) {
            throw new IllegalArgumentException("eos_token_id " + eosTokenId + " outside vocab [0, " + vocabSize + ")");
        }
    }

    /** Size of one attention head: {@code nEmbd / nHead}. */
    public int headDim() {
        return nEmbd / nHead;
    }

    /**
     * Reads a Hugging Face {@code config.json}. Required: {@code vocab_size, n_positions, n_embd, n_layer,
     * n_head}. Optional with HF's defaults: {@code n_inner} (null: 4E), {@code layer_norm_epsilon} (1e-5),
     * {@code eos_token_id} (50256), {@code activation_function} ({@code gelu_new}; {@code gelu_pytorch_tanh}
     * is the same function). Settings that change the forward pass away from GPT-2's are rejected.
     *
     * @throws ModelLoadException naming the file and field if the file is missing, malformed or unsupported
     */
    public static Gpt2Config read(Path configJson) {
        return Gpt2ConfigJson.read(configJson);
    }

    /**
     * A named shape: {@code tiny} (the fixtures' 2 x 64, 4 heads), {@code distilgpt2}, {@code gpt2},
     * {@code gpt2-medium}, {@code gpt2-large}, {@code gpt2-xl}. All have vocab 50257 and 1024 positions.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Gpt2Config preset(String name) {
        Gpt2Config c = PRESETS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown GPT-2 preset '" + name + "'; known: " + presetNames());
        }
        return c;
    }

    /** The preset names, smallest first. */
    public static List<String> presetNames() {
        return List.copyOf(PRESETS.keySet());
    }

    /** This config as a standard Hugging Face GPT-2 {@code config.json} (pretty-printed). */
    public String toJson() {
        JsonObject o = new JsonObject();
        JsonArray arch = new JsonArray();
        arch.add("GPT2LMHeadModel");
        o.add("architectures", arch);
        o.addProperty("model_type", "gpt2");
        o.addProperty("activation_function", "gelu_new");
        o.addProperty("n_layer", nLayer);
        o.addProperty("n_embd", nEmbd);
        o.addProperty("n_head", nHead);
        o.addProperty("n_inner", nInner == 4 * nEmbd ? null : nInner);
        o.addProperty("n_positions", nPositions);
        o.addProperty("n_ctx", nPositions);
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("layer_norm_epsilon", layerNormEpsilon);
        o.addProperty("bos_token_id", eosTokenId);
        o.addProperty("eos_token_id", eosTokenId);
        o.addProperty("tie_word_embeddings", true);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o) + "\n";
    }

    private static Map<String, Gpt2Config> presets() {
        Map<String, Gpt2Config> m = new LinkedHashMap<>();
        m.put("tiny", gpt2Shape(2, 64, 4));
        m.put("distilgpt2", gpt2Shape(6, 768, 12));
        m.put("gpt2", gpt2Shape(12, 768, 12));
        m.put("gpt2-medium", gpt2Shape(24, 1024, 16));
        m.put("gpt2-large", gpt2Shape(36, 1280, 20));
        m.put("gpt2-xl", gpt2Shape(48, 1600, 25));
        return m;
    }

    private static Gpt2Config gpt2Shape(int layers, int embd, int heads) {
        return new Gpt2Config(GPT2_VOCAB, 1024, embd, layers, heads, 4 * embd, 1e-5, GPT2_EOS);
    }

    private static String describe(int v, int p, int e, int l, int h, int i) {
        return "vocab_size=" + v + " n_positions=" + p + " n_embd=" + e + " n_layer=" + l + " n_head=" + h
                + " n_inner=" + i;
    }
}
