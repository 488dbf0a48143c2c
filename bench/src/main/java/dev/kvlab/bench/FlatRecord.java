package dev.kvlab.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A result row as flat columns: the components of a record, in declaration order, with a component that is itself
 * a record replaced by its own columns (so {@link BenchEnv} is spelled once and every table carries it). A column is
 * named by its component in snake_case ({@code meanTtftMs} is {@code mean_ttft_ms}) unless {@link SerializedName}
 * says otherwise. Writing ({@link #columns}) and reading back ({@link #read}) both follow the record's declaration,
 * so a table's columns are stated once, by its record.
 */
final class FlatRecord {
    private FlatRecord() {
    }

    /** The record's columns and values, in order. */
    static Map<String, Object> columns(Record r) {
        Map<String, Object> out = new LinkedHashMap<>();
        put(r, out);
        return out;
    }

    /** The column names of records of {@code type}, in order. */
    static List<String> header(Class<? extends Record> type) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getType().isRecord()) {
                out.addAll(header(c.getType().asSubclass(Record.class)));
            } else {
                out.add(name(c));
            }
        }
        return out;
    }

    private static void put(Record r, Map<String, Object> out) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v = get(c, r);
            if (c.getType().isRecord()) {
                put((Record) v, out);
            } else {
                out.put(name(c), v instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT) : v);
            }
        }
    }

    /** A row of {@code type} from a JSON object of its columns; a missing or null column reads as null, 0 or NaN. */
    static <R extends Record> R read(JsonObject o, Class<R> type) {
        RecordComponent[] cs = type.getRecordComponents();
        Object[] args = new Object[cs.length];
        Class<?>[] types = new Class<?>[cs.length];
        for (int i = 0; i < cs.length; i++) {
            types[i] = cs[i].getType();
            args[i] = types[i].isRecord() ? read(o, types[i].asSubclass(Record.class)) : value(o.get(name(cs[i])),
                    types[i]);
        }
        try {
            Constructor<R> k = type.getDeclaredConstructor(types);
            return k.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("bad " + type.getSimpleName() + " row: " + e.getCause().getMessage(), e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object value(JsonElement e, Class<?> t) {
        boolean missing = e == null || e.isJsonNull();
        if (t == int.class) {
            return missing ? 0 : e.getAsInt();
        }
        if (t == long.class) {
            return missing ? 0L : e.getAsLong();
        }
        if (t == double.class) {
            return missing ? Double.NaN : number(e);
        }
        if (missing) {
            return null;
        }
        if (t == Integer.class) {
            return e.getAsInt();
        }
        if (t == Double.class) {
            return number(e);
        }
        if (t == boolean.class || t == Boolean.class) {
            return e.getAsBoolean();
        }
        if (t == String.class) {
            return e.getAsString();
        }
        throw new IllegalStateException("no column type " + t.getName());
    }

    private static double number(JsonElement e) {
        String s = e.getAsString();
        return switch (s) {
            case "inf", "Infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-Infinity" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    private static Object get(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static String name(RecordComponent c) {
        SerializedName n = c.getAnnotation(SerializedName.class);
        if (n == null) {
            n = fieldAnnotation(c);
        }
        return n != null ? n.value() : snake(c.getName());
    }

    private static SerializedName fieldAnnotation(RecordComponent c) {
        try {
            return c.getDeclaringRecord().getDeclaredField(c.getName()).getAnnotation(SerializedName.class);
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    /** {@code meanTtftMs} to {@code mean_ttft_ms}; digits stay with the word before them ({@code p99TtftMs}). */
    static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                b.append('_').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
