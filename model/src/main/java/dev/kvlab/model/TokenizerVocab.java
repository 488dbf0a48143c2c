package dev.kvlab.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Checks a tokenizer.json against a model: every id it can emit must index the embedding table. */
final class TokenizerVocab {
    private TokenizerVocab() {
    }

    /**
     * @throws ModelLoadException naming {@code where} if the JSON is malformed or an id in {@code model.vocab}
     *                            or {@code added_tokens} is outside {@code [0, vocabSize)}
     */
    static void checkIdsBelow(byte[] tokenizerJson, int vocabSize, String where) {
        Map<String, JsonElement> root = StrictJson.parseObject(new String(tokenizerJson, StandardCharsets.UTF_8), where);
        JsonElement model = root.get("model");
        if (model != null && model.isJsonObject() && model.getAsJsonObject().has("vocab")) {
            JsonObject vocab = StrictJson.object(model.getAsJsonObject().get("vocab"), where + ": model.vocab");
            vocab.entrySet().forEach(e -> checkId(e.getValue(), "token '" + e.getKey() + "'", vocabSize, where));
        }
        JsonElement added = root.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement t : added.getAsJsonArray()) {
                checkId(StrictJson.object(t, where + ": added token").get("id"), "added token " + t, vocabSize, where);
            }
        }
    }

    private static void checkId(JsonElement id, String what, int vocabSize, String where) {
        long v = StrictJson.exactLong(id, where + ": " + what);
        if (v < 0 || v >= vocabSize) {
            throw new ModelLoadException(where + ": " + what + " has id " + v + ", outside the model's vocab [0, "
                    + vocabSize + ")");
        }
    }
}
