package dev.kvlab.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.kvlab.model.json.JsonFields;
import dev.kvlab.model.json.JsonInputException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model files read with the project's one JSON policy ({@link dev.kvlab.model.json.StrictJson}: RFC 8259 only, no
 * duplicate keys at any depth), and integers read exactly. Every failure is a {@link ModelLoadException} whose
 * message starts with the {@code where} given (usually the file name).
 */
final class StrictJson {
    private StrictJson() {
    }

    /**
     * Parses {@code text} as one JSON object.
     *
     * @return its members in file order (nested values as Gson trees)
     */
    static Map<String, JsonElement> parseObject(String text, String where) {
        JsonElement tree;
        try {
            tree = dev.kvlab.model.json.StrictJson.parse(text, where);
        } catch (JsonInputException e) {
            throw new ModelLoadException(where + ": invalid JSON: " + e.getMessage().substring(where.length() + 2), e);
        }
        if (!tree.isJsonObject()) {
            throw new ModelLoadException(where + ": expected a JSON object, found " + JsonFields.describe(tree));
        }
        Map<String, JsonElement> members = new LinkedHashMap<>();
        tree.getAsJsonObject().entrySet().forEach(m -> members.put(m.getKey(), m.getValue()));
        return members;
    }

    /** {@code e} as an object, or an error naming {@code what}. */
    static JsonObject object(JsonElement e, String what) {
        if (e == null || !e.isJsonObject()) {
            throw new ModelLoadException(what + " must be a JSON object, got " + e);
        }
        return e.getAsJsonObject();
    }

    /** {@code e} as a string, or an error naming {@code what}. */
    static String string(JsonElement e, String what) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new ModelLoadException(what + " must be a string, got " + e);
        }
        return e.getAsString();
    }

    /** {@code e} as an exact integral long (1.5, 1e30 and non-numbers are errors naming {@code what}). */
    static long exactLong(JsonElement e, String what) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new ModelLoadException(what + " must be an integer, got " + e);
        }
        String literal = ((JsonPrimitive) e).getAsString();
        try {
            return new BigDecimal(literal).longValueExact();
        } catch (ArithmeticException | NumberFormatException ex) {
            throw new ModelLoadException(what + " must be an integer in the long range, got " + literal, ex);
        }
    }

    /** {@code e} as a positive int, or an error naming {@code what}. */
    static int positiveInt(JsonElement e, String what) {
        long v = exactLong(e, what);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new ModelLoadException(what + " must be a positive int, got " + v);
        }
        return (int) v;
    }

    /** {@code e} as an int {@code >= 0}, or an error naming {@code what}. */
    static int nonNegativeInt(JsonElement e, String what) {
        long v = exactLong(e, what);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new ModelLoadException(what + " must be an int >= 0, got " + v);
        }
        return (int) v;
    }

    /** {@code e} as a finite double, or an error naming {@code what}. */
    static double finiteDouble(JsonElement e, String what) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new ModelLoadException(what + " must be a number, got " + e);
        }
        double v = e.getAsDouble();
        if (!Double.isFinite(v)) {
            throw new ModelLoadException(what + " must be finite, got " + e);
        }
        return v;
    }
}
