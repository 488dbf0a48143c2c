package dev.kvlab.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads {@code --prompts-file}: JSON lines, one request each, with {@code id}, {@code prompt} (text) or
 * {@code prompt_ids}, {@code max_new_tokens}, and optional {@code temperature}, {@code top_k}, {@code top_p},
 * {@code seed}, {@code ignore_eos}, {@code stop_token_ids}. Blank lines are skipped. Any bad line is an
 * {@link IllegalArgumentException} naming the file and line.
 */
public final class PromptsFile {
    private PromptsFile() {
    }

    /**
     * @param encode   turns a {@code prompt} text into ids
     * @param defaults values for fields a line leaves out (its id, prompt and stop ids are ignored)
     */
    public static List<GenerationRequest> read(Path file, Function<String, int[]> encode, GenerationRequest defaults) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompts file " + file + ": " + e.getMessage(), e);
        }
        List<GenerationRequest> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                GenerationRequest r = parse(lines.get(i), i + 1, encode, defaults);
                if (!ids.add(r.id())) {
                    throw new IllegalArgumentException("duplicate id '" + r.id() + "'");
                }
                out.add(r);
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no requests in the file");
        }
        return out;
    }

    private static GenerationRequest parse(String line, int number, Function<String, int[]> encode,
                                           GenerationRequest d) {
        JsonObject o = object(line);
        String id = o.has("id") ? o.get("id").getAsString() : "line-" + number;
        int[] prompt = prompt(o, encode);
        int maxNew = o.has("max_new_tokens") ? o.get("max_new_tokens").getAsInt() : d.maxNewTokens();
        SamplingParams s = new SamplingParams(
                o.has("temperature") ? o.get("temperature").getAsDouble() : d.sampling().temperature(),
                o.has("top_k") ? o.get("top_k").getAsInt() : d.sampling().topK(),
                o.has("top_p") ? o.get("top_p").getAsDouble() : d.sampling().topP(),
                o.has("seed") ? o.get("seed").getAsLong() : d.sampling().seed() + number);
        boolean ignoreEos = o.has("ignore_eos") ? o.get("ignore_eos").getAsBoolean() : d.ignoreEos();
        int[] stops = o.has("stop_token_ids") ? ints(o.get("stop_token_ids"), "stop_token_ids") : d.stopTokenIds();
        return new GenerationRequest(id, prompt, maxNew, s, ignoreEos, stops);
    }

    private static JsonObject object(String line) {
        try {
            JsonElement e = JsonParser.parseString(line);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonSyntaxException e) {
            throw new IllegalArgumentException("not valid JSON (" + e.getMessage() + ")");
        }
    }

    private static int[] prompt(JsonObject o, Function<String, int[]> encode) {
        if (o.has("prompt") == o.has("prompt_ids")) {
            throw new IllegalArgumentException("give exactly one of \"prompt\" and \"prompt_ids\"");
        }
        return o.has("prompt") ? encode.apply(o.get("prompt").getAsString()) : ints(o.get("prompt_ids"), "prompt_ids");
    }

    private static int[] ints(JsonElement e, String field) {
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException("\"" + field + "\" must be an array of token ids");
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
