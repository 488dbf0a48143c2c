package dev.kvlab.model;

import com.google.gson.JsonElement;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Reads a Hugging Face GPT-2 {@code config.json} into a {@link Gpt2Config}; see {@link Gpt2Config#read}. */
final class Gpt2ConfigJson {
    private static final Set<String> ACTIVATIONS = Set.of("gelu_new", "gelu_pytorch_tanh");
    private static final long MAX_BYTES = 1 << 20;

    private Gpt2ConfigJson() {
    }

    static Gpt2Config read(Path file) {
        String where = file.toString();
        Map<String, JsonElement> o = StrictJson.parseObject(readText(file), where);
        rejectUnsupported(o, where);
        int nEmbd = requiredInt(o, "n_embd", where);
        JsonElement inner = o.get("n_inner");
        int nInner = inner == null || inner.isJsonNull() ? 4 * nEmbd : StrictJson.positiveInt(inner, where + ": n_inner");
        double eps = o.containsKey("layer_norm_epsilon")
                ? StrictJson.finiteDouble(o.get("layer_norm_epsilon"), where + ": layer_norm_epsilon") : 1e-5;
        int eos = o.containsKey("eos_token_id")
                ? StrictJson.nonNegativeInt(o.get("eos_token_id"), where + ": eos_token_id") : Gpt2Config.GPT2_EOS;
        try {
            return new Gpt2Config(requiredInt(o, "vocab_size", where), requiredInt(o, "n_positions", where), nEmbd,
                    requiredInt(o, "n_layer", where), requiredInt(o, "n_head", where), nInner, eps, eos);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(where + ": " + e.getMessage(), e);
        }
    }

    private static String readText(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ModelLoadException(file + ": config larger than " + MAX_BYTES + " bytes");
            }
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + ": config.json not found", e);
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read config: " + e, e);
        }
    }

    private static int requiredInt(Map<String, JsonElement> o, String key, String where) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw new ModelLoadException(where + ": required field '" + key + "' is missing");
        }
        return StrictJson.positiveInt(e, where + ": " + key);
    }

    /** Fields whose non-default values would make the forward pass differ from GPT-2's. */
    private static void rejectUnsupported(Map<String, JsonElement> o, String where) {
        String type = o.containsKey("model_type") ? StrictJson.string(o.get("model_type"), where + ": model_type") : "gpt2";
        if (!type.equals("gpt2")) {
            throw new ModelLoadException(where + ": model_type '" + type + "' is not gpt2");
        }
        String act = o.containsKey("activation_function")
                ? StrictJson.string(o.get("activation_function"), where + ": activation_function") : "gelu_new";
        if (!ACTIVATIONS.contains(act)) {
            throw new ModelLoadException(where + ": activation_function '" + act + "' is not supported; use one of "
                    + ACTIVATIONS + " (the tanh GELU GPT-2 was trained with)");
        }
        requireFlag(o, "tie_word_embeddings", true, where);
        requireFlag(o, "scale_attn_weights", true, where);
        requireFlag(o, "scale_attn_by_inverse_layer_idx", false, where);
    }

    private static void requireFlag(Map<String, JsonElement> o, String key, boolean supported, String where) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new ModelLoadException(where + ": " + key + " must be a boolean, got " + e);
        }
        if (e.getAsBoolean() != supported) {
            throw new ModelLoadException(where + ": " + key + "=" + e.getAsBoolean() + " is not supported (GPT-2 uses "
                    + supported + ")");
        }
    }
}
