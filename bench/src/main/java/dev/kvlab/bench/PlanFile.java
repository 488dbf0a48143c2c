package dev.kvlab.bench;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import dev.kvlab.model.json.JsonFields;
import dev.kvlab.model.json.StrictJson;
import dev.kvlab.runtime.IoErrors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
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
 * typo never silently falls back to a default, and a value must be of its component's kind (integers exact and in
 * range): the project's strict JSON policy ({@link StrictJson}). Missing keys take each record's documented defaults.
 */
public final class PlanFile {
    private static final Gson GSON = new Gson();

    private PlanFile() {
    }

    public static BenchPlan read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --config " + file + ": " + IoErrors.describe(e), e);
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
        JsonElement tree = StrictJson.parse(json, source);   // strict syntax, no duplicate keys, one line errors
        JsonFields.of(tree, source);                          // an object, not null or an array
        try {
            checkKeys(tree, BenchPlan.class, "");
            return GSON.fromJson(tree, BenchPlan.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage().lines().findFirst().orElse("bad plan"), e);
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
        if (!(type instanceof Class<?> c)) {
            return;
        }
        if (!c.isRecord()) {
            checkScalar(e, c, path);
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

    /**
     * Gson would coerce (2.5 to 2 for an int, "yes" to false, 4294967297 to 1): a scalar must be of its
     * component's kind, integers exact and in range, numbers finite.
     */
    private static void checkScalar(JsonElement e, Class<?> c, String path) {
        boolean integral = c == int.class || c == Integer.class || c == long.class || c == Long.class;
        boolean number = c == double.class || c == Double.class;
        boolean bool = c == boolean.class || c == Boolean.class;
        boolean string = c == String.class;
        JsonPrimitive p = e.isJsonPrimitive() ? e.getAsJsonPrimitive() : null;
        String where = "\"" + path + "\"";
        if (integral) {
            long max = c == int.class || c == Integer.class ? Integer.MAX_VALUE : Long.MAX_VALUE;
            long min = c == int.class || c == Integer.class ? Integer.MIN_VALUE : Long.MIN_VALUE;
            if (p == null || !p.isNumber() || !exact(p.getAsString(), min, max)) {
                throw new IllegalArgumentException(where + " must be an integer in [" + min + ", " + max + "], got "
                        + JsonFields.describe(e));
            }
        } else if (number && (p == null || !p.isNumber() || !Double.isFinite(p.getAsDouble()))) {
            throw new IllegalArgumentException(where + " must be a finite number, got " + JsonFields.describe(e));
        } else if (bool && (p == null || !p.isBoolean())) {
            throw new IllegalArgumentException(where + " must be true or false, got " + JsonFields.describe(e));
        } else if (string && (p == null || !p.isString())) {
            throw new IllegalArgumentException(where + " must be a string, got " + JsonFields.describe(e));
        }
    }

    private static boolean exact(String literal, long min, long max) {
        try {
            long v = new BigDecimal(literal).longValueExact();
            return v >= min && v <= max;
        } catch (ArithmeticException | NumberFormatException ex) {
            return false;
        }
    }
}
