package dev.kvlab.bench;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a {@link BenchPlan} from JSON: a config file ({@code --config}) or a bundled preset ({@code --preset full}).
 * Keys are the record component names (camelCase); an unknown key is an error naming it and the known ones, so a
 * typo never silently falls back to a default. Missing keys take each record's documented defaults.
 */
public final class PlanFile {
    private static final Gson GSON = new Gson();

    private PlanFile() {
    }

    public static BenchPlan read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --config " + file + ": " + e.getMessage(), e);
        }
    }

    /** The bundled preset {@code name} ({@code presets/NAME.json} next to this class). */
    public static BenchPlan preset(String name) {
        try (InputStream in = PlanFile.class.getResourceAsStream("presets/" + name + ".json")) {
            if (in == null) {
                throw new IllegalArgumentException("unknown --preset '" + name + "'; known: quick, full");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "preset " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BenchPlan parse(String json, String source) {
        try {
            JsonElement tree = JsonParser.parseString(json);
            checkKeys(tree, BenchPlan.class, "");
            return GSON.fromJson(tree, BenchPlan.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && !(root instanceof IllegalArgumentException)) {
                root = root.getCause();
            }
            throw new IllegalArgumentException(source + ": " + root.getMessage(), e);
        }
    }

    /** Rejects keys that {@code type} (a record) does not have, recursively through records and lists. */
    static void checkKeys(JsonElement e, Type type, String path) {
        if (e == null || e.isJsonNull()) {
            return;
        }
        if (type instanceof ParameterizedType p && p.getRawType() == List.class && e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                checkKeys(a.get(i), p.getActualTypeArguments()[0], path + "[" + i + "]");
            }
            return;
        }
        if (!(type instanceof Class<?> c) || !c.isRecord()) {
            return;
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException((path.isEmpty() ? "the plan" : path) + " must be a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        Set<String> known = Arrays.stream(c.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        for (String k : o.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown key '" + (path.isEmpty() ? "" : path + ".") + k
                        + "'; known: " + String.join(", ", known));
            }
        }
        for (RecordComponent rc : c.getRecordComponents()) {
            checkKeys(o.get(rc.getName()), rc.getGenericType(), (path.isEmpty() ? "" : path + ".") + rc.getName());
        }
    }
}
