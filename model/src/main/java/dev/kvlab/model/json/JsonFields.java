package dev.kvlab.model.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Typed, strict reads of one JSON object's members: integers must be exact integers in the range asked for (2.5,
 * 4294967297 and "3" are errors, never 2, 1 or 3), booleans must be {@code true}/{@code false}, strings strings, and
 * {@link #allowOnly} turns an unknown (e.g. misspelt) key into an error. A missing key takes the default given;
 * an explicit {@code null} is an error like any other wrong kind. Every error is a one-line
 * {@link JsonInputException} naming {@code where} (file and line, "request body") and the key.
 */
public final class JsonFields {
    private final JsonObject object;
    private final String where;
    private final String path;

    private JsonFields(JsonObject object, String where, String path) {
        this.object = object;
        this.where = where;
        this.path = path;
    }

    /** {@code value} as an object, or an error saying what it is instead. */
    public static JsonFields of(JsonElement value, String where) {
        if (value == null || !value.isJsonObject()) {
            throw new JsonInputException(where + ": expected a JSON object, got " + describe(value));
        }
        return new JsonFields(value.getAsJsonObject(), where, "");
    }

    /** Where this object came from, for messages. */
    public String where() {
        return where;
    }

    /** Rejects any key not in {@code keys}, naming it and the known ones. Returns this, for chaining. */
    public JsonFields allowOnly(String... keys) {
        Set<String> known = new LinkedHashSet<>(Arrays.asList(keys));
        for (String k : object.keySet()) {
            if (!known.contains(k)) {
                throw new JsonInputException(where + ": unknown key \"" + key(k) + "\"; known keys: "
                        + String.join(", ", known));
            }
        }
        return this;
    }

    /** Whether the key is present (even as {@code null}). */
    public boolean has(String key) {
        return object.has(key);
    }

    /** The keys present, in input order. */
    public Set<String> keys() {
        return object.keySet();
    }

    /** The raw value, or null when absent. */
    public JsonElement raw(String key) {
        return object.get(key);
    }

    public String string(String key) {
        return string(required(key), key);
    }

    public String string(String key, String defaultValue) {
        return has(key) ? string(key) : defaultValue;
    }

    public boolean bool(String key) {
        JsonElement e = required(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrong(key, "must be true or false", e);
        }
        return e.getAsBoolean();
    }

    public boolean bool(String key, boolean defaultValue) {
        return has(key) ? bool(key) : defaultValue;
    }

    /** An exact integer in {@code [min, max]}. */
    public long longIn(String key, long min, long max) {
        return exactLong(required(key), key, min, max);
    }

    public long longIn(String key, long min, long max, long defaultValue) {
        return has(key) ? longIn(key, min, max) : defaultValue;
    }

    /** An exact integer in {@code [min, max]}. */
    public int intIn(String key, int min, int max) {
        return (int) longIn(key, min, max);
    }

    public int intIn(String key, int min, int max, int defaultValue) {
        return has(key) ? intIn(key, min, max) : defaultValue;
    }

    /** A finite number in {@code [min, max]}. */
    public double doubleIn(String key, double min, double max) {
        JsonElement e = required(key);
        if (!isNumber(e)) {
            throw wrong(key, "must be a number in " + range(min, max), e);
        }
        double v = e.getAsDouble();
        if (!Double.isFinite(v) || v < min || v > max) {
            throw wrong(key, "must be a finite number in " + range(min, max), e);
        }
        return v;
    }

    public double doubleIn(String key, double min, double max, double defaultValue) {
        return has(key) ? doubleIn(key, min, max) : defaultValue;
    }

    /** A flat array of exact integers, each in {@code [min, max]} ({@code [[1],[2]]} is an error, not [1, 2]). */
    public int[] intArray(String key, int min, int max) {
        JsonElement e = required(key);
        if (!e.isJsonArray()) {
            throw wrong(key, "must be an array of integers", e);
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) exactLong(a.get(i), key + "[" + i + "]", min, max);
        }
        return out;
    }

    public int[] intArray(String key, int min, int max, int[] defaultValue) {
        return has(key) ? intArray(key, min, max) : defaultValue;
    }

    /** A nested object, read with the same policy; its keys are named {@code outer.inner} in messages. */
    public JsonFields object(String key) {
        JsonElement e = required(key);
        if (!e.isJsonObject()) {
            throw wrong(key, "must be a JSON object", e);
        }
        return new JsonFields(e.getAsJsonObject(), where, key(key));
    }

    /** An array of objects. */
    public List<JsonFields> objects(String key) {
        JsonElement e = required(key);
        if (!e.isJsonArray()) {
            throw wrong(key, "must be an array of JSON objects", e);
        }
        List<JsonFields> out = new ArrayList<>();
        JsonArray a = e.getAsJsonArray();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isJsonObject()) {
                throw wrong(key + "[" + i + "]", "must be a JSON object", a.get(i));
            }
            out.add(new JsonFields(a.get(i).getAsJsonObject(), where, key(key) + "[" + i + "]"));
        }
        return out;
    }

    private JsonElement required(String key) {
        JsonElement e = object.get(key);
        if (e == null) {
            throw new JsonInputException(where + ": missing key \"" + key(key) + "\"");
        }
        return e;
    }

    private String string(JsonElement e, String key) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrong(key, "must be a string", e);
        }
        return e.getAsString();
    }

    private long exactLong(JsonElement e, String key, long min, long max) {
        if (!isNumber(e)) {
            throw wrong(key, "must be an integer in " + range(min, max), e);
        }
        BigDecimal v = new BigDecimal(e.getAsString());
        long l;
        try {
            l = v.longValueExact();
        } catch (ArithmeticException ex) {
            throw wrong(key, "must be an integer in " + range(min, max), e);
        }
        if (l < min || l > max) {
            throw wrong(key, "must be an integer in " + range(min, max), e);
        }
        return l;
    }

    private static boolean isNumber(JsonElement e) {
        return e != null && e.isJsonPrimitive() && ((JsonPrimitive) e).isNumber();
    }

    private JsonInputException wrong(String key, String rule, JsonElement got) {
        return new JsonInputException(where + ": \"" + key(key) + "\" " + rule + ", got " + describe(got));
    }

    private String key(String k) {
        return path.isEmpty() ? k : path + "." + k;
    }

    private static String range(double min, double max) {
        return "[" + bound(min) + ", " + bound(max) + "]";
    }

    private static String bound(double v) {
        return v == (long) v && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String range(long min, long max) {
        return "[" + min + ", " + max + "]";
    }

    /** A short description of a value for messages: the literal for scalars, the kind for containers. */
    public static String describe(JsonElement e) {
        if (e == null) {
            return "nothing";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        String s = p.isString() ? "\"" + p.getAsString() + "\"" : p.getAsString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
