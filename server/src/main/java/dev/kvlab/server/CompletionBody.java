package dev.kvlab.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns a {@code /v1/completions} body into a {@link CompletionRequest}, checking every field: the OpenAI fields
 * (model, prompt, max_tokens, temperature, top_p, n, stream, stream_options, logprobs, echo, stop, seed, user, and the
 * penalties/best_of/logit_bias/suffix at their neutral values only) and vLLM's top_k, ignore_eos and min_tokens.
 * Unknown keys, wrong types, non-integral integers and out-of-range values are 400s naming the field.
 */
final class CompletionBody {
    static final int MAX_N = 64;
    static final int MAX_LOGPROBS = 20;
    static final int MAX_STOP = 4;
    static final int DEFAULT_MAX_TOKENS = 16;
    /** vLLM treats temperatures below this as greedy. */
    static final double GREEDY_BELOW = 1e-5;

    private static final Set<String> KNOWN = Set.of("model", "prompt", "max_tokens", "temperature", "top_p", "top_k",
            "n", "stream", "stream_options", "logprobs", "echo", "stop", "seed", "user", "ignore_eos", "min_tokens",
            "presence_penalty", "frequency_penalty", "best_of", "logit_bias", "suffix");

    private final String modelName;
    private final int vocabSize;
    private final int contextLength;
    private final Function<String, int[]> encoder;

    CompletionBody(String modelName, int vocabSize, int contextLength, Function<String, int[]> encoder) {
        this.modelName = modelName;
        this.vocabSize = vocabSize;
        this.contextLength = contextLength;
        this.encoder = encoder;
    }

    CompletionRequest parse(String text) {
        JsonObject o = StrictBody.parse(text);
        for (String key : o.keySet()) {
            if (!KNOWN.contains(key)) {
                throw ApiError.invalid(key, "Unknown field '" + key + "'.");
            }
        }
        String model = string(o, "model", modelName);
        if (!model.equals(modelName)) {
            throw ApiError.invalid("model", "The model '" + model + "' does not exist; this server serves '"
                    + modelName + "'.");
        }
        neutral(o);
        boolean stream = bool(o, "stream", false);
        boolean includeUsage = streamOptions(o, stream);
        int maxTokens = integer(o, "max_tokens", DEFAULT_MAX_TOKENS, 1, contextLength);
        List<int[]> prompts = prompts(o, maxTokens);
        double temperature = number(o, "temperature", 1.0, 0.0, 2.0);
        double topP = number(o, "top_p", 1.0, Double.MIN_VALUE, 1.0);
        int topK = integer(o, "top_k", 0, -1, vocabSize);
        int n = integer(o, "n", 1, 1, MAX_N);
        int logprobs = o.has("logprobs") && !o.get("logprobs").isJsonNull()
                ? integer(o, "logprobs", 0, 0, MAX_LOGPROBS) : -1;
        int minTokens = integer(o, "min_tokens", 0, 0, maxTokens);
        OptionalLong seed = o.has("seed") && !o.get("seed").isJsonNull()
                ? OptionalLong.of(longValue(o, "seed")) : OptionalLong.empty();
        string(o, "user", "");
        return new CompletionRequest(model, prompts, maxTokens, temperature < GREEDY_BELOW ? 0.0 : temperature, topP,
                Math.max(topK, 0), seed, n, stop(o), stream, includeUsage, logprobs, bool(o, "ignore_eos", false),
                minTokens, bool(o, "echo", false));
    }

    // ---- prompt

    private List<int[]> prompts(JsonObject o, int maxTokens) {
        JsonElement p = o.get("prompt");
        if (p == null || p.isJsonNull()) {
            throw ApiError.invalid("prompt", "'prompt' is required.");
        }
        List<int[]> out = new ArrayList<>();
        if (p.isJsonPrimitive() && p.getAsJsonPrimitive().isString()) {
            out.add(encode(p.getAsString()));
        } else if (p.isJsonArray()) {
            JsonArray a = p.getAsJsonArray();
            if (a.isEmpty()) {
                throw ApiError.invalid("prompt", "'prompt' is an empty list.");
            }
            if (a.get(0).isJsonPrimitive() && a.get(0).getAsJsonPrimitive().isNumber()) {
                out.add(ids(a));
            } else {
                for (JsonElement e : a) {
                    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                        out.add(encode(e.getAsString()));
                    } else if (e.isJsonArray()) {
                        out.add(ids(e.getAsJsonArray()));
                    } else {
                        throw ApiError.invalid("prompt", "'prompt' must be a string, a list of strings, a list of "
                                + "token ids or a list of token-id lists.");
                    }
                }
            }
            if (out.size() > MAX_N) {
                throw ApiError.invalid("prompt", "At most " + MAX_N + " prompts per request, got " + out.size() + ".");
            }
        } else {
            throw ApiError.invalid("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a "
                    + "list of token-id lists.");
        }
        for (int[] ids : out) {
            if (ids.length == 0) {
                throw ApiError.invalid("prompt", "A prompt is empty.");
            }
            if (ids.length + maxTokens > contextLength) {
                throw ApiError.invalid("prompt", "This model's maximum context length is " + contextLength
                        + " tokens. However, you requested " + (ids.length + maxTokens) + " tokens (" + ids.length
                        + " in the prompt, " + maxTokens + " for the completion). Please reduce your prompt; or "
                        + "completion length.");
            }
        }
        return out;
    }

    private int[] encode(String text) {
        return encoder.apply(text);
    }

    private int[] ids(JsonArray a) {
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonElement e = a.get(i);
            ids[i] = (int) exactLong(e, "prompt", 0, vocabSize - 1);
        }
        return ids;
    }

    // ---- other fields

    private List<String> stop(JsonObject o) {
        JsonElement s = o.get("stop");
        List<String> out = new ArrayList<>();
        if (s == null || s.isJsonNull()) {
            return out;
        }
        if (s.isJsonPrimitive() && s.getAsJsonPrimitive().isString()) {
            out.add(s.getAsString());
        } else if (s.isJsonArray()) {
            for (JsonElement e : s.getAsJsonArray()) {
                if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
                    throw ApiError.invalid("stop", "'stop' must be a string or a list of strings.");
                }
                out.add(e.getAsString());
            }
        } else {
            throw ApiError.invalid("stop", "'stop' must be a string or a list of strings.");
        }
        if (out.size() > MAX_STOP) {
            throw ApiError.invalid("stop", "At most " + MAX_STOP + " stop strings, got " + out.size() + ".");
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.invalid("stop", "A stop string is empty.");
        }
        return out;
    }

    private static boolean streamOptions(JsonObject o, boolean stream) {
        JsonElement s = o.get("stream_options");
        if (s == null || s.isJsonNull()) {
            return false;
        }
        if (!stream) {
            throw ApiError.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true.");
        }
        if (!s.isJsonObject()) {
            throw ApiError.invalid("stream_options", "'stream_options' must be an object.");
        }
        JsonObject so = s.getAsJsonObject();
        for (String key : so.keySet()) {
            if (!key.equals("include_usage") && !key.equals("continuous_usage_stats")) {
                throw ApiError.invalid("stream_options", "Unknown field 'stream_options." + key + "'.");
            }
        }
        bool(so, "continuous_usage_stats", false);
        return bool(so, "include_usage", false);
    }

    /** Fields kvlab accepts only at their no-op values. */
    private void neutral(JsonObject o) {
        for (String k : List.of("presence_penalty", "frequency_penalty")) {
            if (number(o, k, 0.0, -2.0, 2.0) != 0.0) {
                throw ApiError.invalid(k, "'" + k + "' is not supported; leave it out or set it to 0.");
            }
        }
        JsonElement bestOf = o.get("best_of");
        if (bestOf != null && !bestOf.isJsonNull()) {
            int n = integer(o, "n", 1, 1, MAX_N);
            if (integer(o, "best_of", 1, 1, MAX_N) != n) {
                throw ApiError.invalid("best_of", "'best_of' is not supported; leave it out or set it to n.");
            }
        }
        JsonElement bias = o.get("logit_bias");
        if (bias != null && !bias.isJsonNull() && !(bias.isJsonObject() && bias.getAsJsonObject().isEmpty())) {
            throw ApiError.invalid("logit_bias", "'logit_bias' is not supported.");
        }
        JsonElement suffix = o.get("suffix");
        if (suffix != null && !suffix.isJsonNull()) {
            throw ApiError.invalid("suffix", "'suffix' is not supported.");
        }
    }

    private static String string(JsonObject o, String key, String dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isString())) {
            throw ApiError.invalid(key, "'" + key + "' must be a string.");
        }
        return e.getAsString();
    }

    private static boolean bool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
            throw ApiError.invalid(key, "'" + key + "' must be true or false.");
        }
        return e.getAsBoolean();
    }

    private static double number(JsonObject o, String key, double dflt, double min, double max) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
            throw ApiError.invalid(key, "'" + key + "' must be a number.");
        }
        double v = e.getAsBigDecimal().doubleValue();
        if (!(v >= min && v <= max)) {
            throw ApiError.invalid(key, "'" + key + "' must be in [" + fmt(min) + ", " + fmt(max) + "], got "
                    + e.getAsBigDecimal().toPlainString() + ".");
        }
        return v;
    }

    private static int integer(JsonObject o, String key, int dflt, int min, int max) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        return (int) exactLong(e, key, min, max);
    }

    private static long longValue(JsonObject o, String key) {
        return exactLong(o.get(key), key, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private static long exactLong(JsonElement e, String key, long min, long max) {
        if (!(e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber())) {
            throw ApiError.invalid(key, "'" + key + "' must be an integer" + (key.equals("prompt") ? " token id" : "")
                    + ".");
        }
        BigDecimal d = e.getAsBigDecimal();
        long v;
        try {
            v = d.longValueExact();
        } catch (ArithmeticException x) {
            try {
                v = d.stripTrailingZeros().longValueExact();
            } catch (ArithmeticException y) {
                throw ApiError.invalid(key, "'" + key + "' must be an integer in [" + min + ", " + max + "], got "
                        + d.toPlainString() + ".");
            }
        }
        if (v < min || v > max) {
            throw ApiError.invalid(key, "'" + key + "' must be in [" + min + ", " + max + "], got " + v + ".");
        }
        return v;
    }

    private static String fmt(double v) {
        return v == Double.MIN_VALUE ? "0 (excluded)" : BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
