package dev.kvlab.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.ToNumberPolicy;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.kvlab.model.json.JsonFields;
import dev.kvlab.model.json.JsonInputException;
import dev.kvlab.model.json.StrictJson;
import dev.kvlab.runtime.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a run directory back ({@code meta.json} and the JSON-lines tables) so that charts and summary.md can be
 * drawn again without measuring again ({@code kvlab bench --replot DIR}).
 */
final class Replot {
    private static final Gson GSON = new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .serializeSpecialFloatingPointValues().create();

    private Replot() {
    }

    /** Writes {@code meta.json}: the command and environment of the run. */
    static void writeMeta(Results r, Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("command", r.command());
        o.add("env", GSON.toJsonTree(r.env()));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("meta.json"), GSON.toJson(o) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write meta.json under " + dir, e);
        }
    }

    /**
     * Reads a run directory back (JSON as kvlab writes it, NaN and Infinity included): a corrupt or truncated
     * {@code meta.json} or table line is one line naming the file and line (issue 9 item 8 found a stack trace).
     */
    static Results read(Path dir) {
        Path meta = dir.resolve("meta.json");
        if (!Files.isRegularFile(meta)) {
            throw new IllegalArgumentException("--replot " + dir + ": no meta.json there (not a kvlab bench directory)");
        }
        String json = text(meta);
        JsonFields o;
        try {
            o = JsonFields.of(JsonParser.parseString(json), meta.toString());   // lenient: load_avg_1m may be NaN
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(meta + ": " + StrictJson.describe(e.getMessage(), json), e);
        }
        BenchEnv env;
        try {
            o.object("env");   // present and an object
            env = GSON.fromJson(o.raw("env"), BenchEnv.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(meta + ": \"env\" is not a bench environment: "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
        }
        return new Results(env, o.string("command"), rows(dir, "runs", ResultRow.class),
                rows(dir, "requests", RequestRow.class), rows(dir, "kv_growth", KvGrowthRow.class),
                rows(dir, "long_gen", LongGenRow.class), rows(dir, "quality", QualityRow.class),
                rows(dir, "quality_positions", QualityPositionRow.class), rows(dir, "attention", AttentionRow.class));
    }

    private static String text(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + IoErrors.describe(e), e);
        }
    }

    /** The rows of table {@code name} (none when it was not written), each line read as a {@code type}. */
    private static <R extends Record> List<R> rows(Path dir, String name, Class<R> type) {
        Path f = dir.resolve(name + ".jsonl");
        List<R> out = new ArrayList<>();
        if (Files.isRegularFile(f)) {
            List<String> lines = text(f).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                String where = f + " line " + (i + 1);
                try {
                    JsonElement row = JsonParser.parseString(lines.get(i));   // lenient: tables hold NaN and Infinity
                    JsonFields.of(row, where);   // an object, or one line saying what it is
                    out.add(FlatRecord.read(row.getAsJsonObject(), type));
                } catch (JsonInputException e) {
                    throw e;
                } catch (JsonParseException e) {
                    throw new IllegalArgumentException(where + ": " + StrictJson.describe(e.getMessage(), lines.get(i)),
                            e);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(where + ": not a " + name + " row: "
                            + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
                }
            }
        }
        return out;
    }
}
