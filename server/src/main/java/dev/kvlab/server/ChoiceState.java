package dev.kvlab.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.kvlab.runtime.TokenLogprobs;
import java.util.function.Function;

/**
 * One choice of a completion (one sample of one prompt): its engine request id, its text so far and, when asked, the
 * log-probabilities of its tokens in OpenAI's completions format ({@code tokens}, {@code token_logprobs},
 * {@code top_logprobs}, {@code text_offset}). Confined to the exchange's thread.
 */
final class ChoiceState {
    final int index;
    final String engineId;
    final int[] promptIds;
    final TextAssembler text;
    private final Function<int[], String> decoder;
    private final boolean logprobs;
    private final JsonObject allLogprobs = newLogprobs();
    private int textOffset;
    private int tokens;
    private String finishReason;
    /** Streaming with echo: whether the prompt's text was sent already. */
    boolean echoDone;

    ChoiceState(int index, String engineId, int[] promptIds, TextAssembler text, Function<int[], String> decoder,
                boolean logprobs) {
        this.index = index;
        this.engineId = engineId;
        this.promptIds = promptIds;
        this.text = text;
        this.decoder = decoder;
        this.logprobs = logprobs;
    }

    boolean finished() {
        return finishReason != null;
    }

    String finishReason() {
        return finishReason;
    }

    void finish(String reason) {
        finishReason = reason;
    }

    /** Tokens counted for usage (up to a stop string, none after). */
    int tokens() {
        return tokens;
    }

    /** Records a token; returns its log-probabilities as a one-token object (null when not asked). */
    JsonObject token(int token, TokenLogprobs lp) {
        tokens++;
        if (!logprobs || lp == null) {
            return null;
        }
        JsonObject one = newLogprobs();
        String tokenText = decoder.apply(new int[] {token});
        append(one, tokenText, lp, token);
        append(allLogprobs, tokenText, lp, token);
        textOffset += tokenText.length();
        return one;
    }

    /** Every token's log-probabilities, or JSON null when not asked. */
    com.google.gson.JsonElement logprobsJson() {
        return logprobs ? allLogprobs : JsonNull.INSTANCE;
    }

    private void append(JsonObject o, String tokenText, TokenLogprobs lp, int token) {
        o.getAsJsonArray("tokens").add(tokenText);
        o.getAsJsonArray("token_logprobs").add(lp.logprob());
        JsonObject top = new JsonObject();
        int[] ids = lp.topIds();
        double[] lps = lp.topLogprobs();
        for (int i = 0; i < ids.length; i++) {
            top.addProperty(decoder.apply(new int[] {ids[i]}), lps[i]);
        }
        top.addProperty(tokenText, lp.logprob());
        o.getAsJsonArray("top_logprobs").add(top);
        o.getAsJsonArray("text_offset").add(textOffset);
    }

    private static JsonObject newLogprobs() {
        JsonObject o = new JsonObject();
        o.add("tokens", new JsonArray());
        o.add("token_logprobs", new JsonArray());
        o.add("top_logprobs", new JsonArray());
        o.add("text_offset", new JsonArray());
        return o;
    }
}
