package dev.kvlab.model.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one JSON reader policy for everything kvlab reads (model config, prompts files, bench plans, server request
 * bodies): RFC 8259 only (no comments, single quotes, unquoted names, NaN/Infinity or trailing commas), exactly one
 * value and nothing after it, and no duplicate key in any object at any depth. Numbers keep their literal text, so
 * {@link JsonFields} can read integers exactly. Every failure is a one-line {@link JsonInputException} that starts
 * with {@code where}.
 */
public final class StrictJson {
    private static final Pattern POSITION = Pattern.compile("at line (\\d+) column (\\d+)");

    private StrictJson() {
    }

    /** Parses {@code text} as one JSON value. */
    public static JsonElement parse(String text, String where) {
        if (text.isBlank()) {
            throw new JsonInputException(where + ": empty input, expected JSON");
        }
        try (JsonReader r = new JsonReader(new StringReader(text))) {
            r.setStrictness(Strictness.STRICT);
            JsonElement value = read(r, where, "");
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonInputException(where + ": data after the JSON value" + position(r.toString()));
            }
            return value;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new JsonInputException(where + ": " + describe(e.getMessage(), text));
        }
    }

    /** Parses {@code text} as one JSON object and returns its typed reader. */
    public static JsonFields parseObject(String text, String where) {
        return JsonFields.of(parse(text, where), where);
    }

    private static JsonElement read(JsonReader r, String where, String path) throws IOException {
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String name = r.nextName();
                    String key = path.isEmpty() ? name : path + "." + name;
                    if (o.has(name)) {
                        throw new JsonInputException(where + ": duplicate key \"" + key + "\"");
                    }
                    o.add(name, read(r, where, key));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(read(r, where, path + "[" + a.size() + "]"));
                }
                r.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(r.nextString());
            }
            case NUMBER -> {
                return new JsonPrimitive(new BigDecimal(r.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(r.nextBoolean());
            }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new JsonInputException(where + ": unexpected " + r.peek() + position(r.toString()));
        }
    }

    /**
     * Gson's parse error message as one line: no advice to go lenient, no troubleshooting link, no JSON path; "at
     * column N" when {@code text} is one line. For readers of kvlab's own lenient outputs (tables with NaN).
     */
    public static String describe(String message, String text) {
        String first = message == null ? "malformed JSON" : message.lines().findFirst().orElse("malformed JSON");
        String pos = position(first);
        String what = first.replaceAll(" at line \\d+ column \\d+.*$", "").replaceAll(" at path .*$", "");
        if (what.startsWith("Use JsonReader.setStrictness")) {
            what = "malformed JSON (strict JSON only: double-quoted strings and names; no comments, NaN or trailing "
                    + "commas)";
        }
        if (!text.contains("\n")) {
            pos = pos.replaceFirst(" at line 1 column", " at column");
        }
        return what + pos;
    }

    private static String position(String s) {
        Matcher m = POSITION.matcher(s);
        return m.find() ? " at line " + m.group(1) + " column " + m.group(2) : "";
    }
}
