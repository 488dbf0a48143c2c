package dev.kvlab.runtime;

import dev.kvlab.model.json.JsonFields;
import dev.kvlab.model.json.JsonInputException;
import dev.kvlab.model.json.StrictJson;
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
 * {@code seed}, {@code ignore_eos}, {@code stop_token_ids}. Blank lines are skipped. Each line is read with the
 * project's strict JSON policy ({@link StrictJson}): integers exact and in range, booleans booleans, unknown and
 * duplicate keys errors. Any bad line is an {@link IllegalArgumentException} naming the file, line and key.
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
            throw new UncheckedIOException("cannot read prompts file " + file + ": " + IoErrors.describe(e), e);
        }
        List<GenerationRequest> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            GenerationRequest r;
            try {
                r = parse(lines.get(i), where, i + 1, encode, defaults);
            } catch (JsonInputException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage().startsWith(where) ? e.getMessage()
                        : where + ": " + e.getMessage(), e);
            }
            if (!ids.add(r.id())) {
                throw new IllegalArgumentException(where + ": duplicate id \"" + r.id() + "\"");
            }
            out.add(r);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no requests in the file");
        }
        return out;
    }

    /** The keys a line may have; any other key (a typo such as "temprature") is an error. */
    static final String[] KEYS = {"id", "prompt", "prompt_ids", "max_new_tokens", "temperature", "top_k", "top_p",
        "seed", "ignore_eos", "stop_token_ids"};

    private static GenerationRequest parse(String line, String where, int number, Function<String, int[]> encode,
                                           GenerationRequest d) {
        JsonFields o = StrictJson.parseObject(line, where).allowOnly(KEYS);
        String id = o.string("id", "line-" + number);
        if (o.has("prompt") == o.has("prompt_ids")) {
            throw new IllegalArgumentException(where + ": give exactly one of \"prompt\" and \"prompt_ids\"");
        }
        int[] prompt = o.has("prompt") ? encode.apply(o.string("prompt"))
                : o.intArray("prompt_ids", 0, Integer.MAX_VALUE);
        int maxNew = o.intIn("max_new_tokens", 1, Integer.MAX_VALUE, d.maxNewTokens());
        SamplingParams s = new SamplingParams(
                o.doubleIn("temperature", 0, SamplingParams.MAX_TEMPERATURE, d.sampling().temperature()),
                o.intIn("top_k", 0, Integer.MAX_VALUE, d.sampling().topK()),
                o.doubleIn("top_p", Double.MIN_VALUE, 1.0, d.sampling().topP()),
                o.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE, d.sampling().seed() + number));
        boolean ignoreEos = o.bool("ignore_eos", d.ignoreEos());
        int[] stops = o.intArray("stop_token_ids", 0, Integer.MAX_VALUE, d.stopTokenIds());
        return new GenerationRequest(id, prompt, maxNew, s, ignoreEos, stops);
    }
}
