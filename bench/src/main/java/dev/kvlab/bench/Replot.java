package dev.kvlab.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.ToNumberPolicy;
import com.google.gson.JsonParser;
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

    static Results read(Path dir) {
        Path meta = dir.resolve("meta.json");
        if (!Files.isRegularFile(meta)) {
            throw new IllegalArgumentException("--replot " + dir + ": no meta.json there (not a kvlab bench directory)");
        }
        try {
            JsonObject o = GSON.fromJson(Files.readString(meta), JsonObject.class);
            BenchEnv env = GSON.fromJson(o.get("env"), BenchEnv.class);
            return new Results(env, o.get("command").getAsString(), rows(dir, "runs", ResultRow.class),
                    rows(dir, "requests", RequestRow.class), rows(dir, "kv_growth", KvGrowthRow.class),
                    rows(dir, "long_gen", LongGenRow.class), rows(dir, "ring_quality", RingQualityRow.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The rows of table {@code name} (none when it was not written), each line read as a {@code type}. */
    private static <R extends Record> List<R> rows(Path dir, String name, Class<R> type) throws IOException {
        Path f = dir.resolve(name + ".jsonl");
        List<R> out = new ArrayList<>();
        if (Files.isRegularFile(f)) {
            for (String line : Files.readAllLines(f)) {
                if (!line.isBlank()) {
                    out.add(FlatRecord.read(JsonParser.parseString(line).getAsJsonObject(), type));
                }
            }
        }
        return out;
    }
}
