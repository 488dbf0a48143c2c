package dev.kvlab.runtime;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/** The JSON lines {@code kvlab generate --json} prints: one per request, then a summary. */
public final class ResultJson {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping()
            .create();

    private ResultJson() {
    }

    /** One request's line; {@code text} is its generated text (null to leave out). */
    public static String request(RequestResult r, String text, EngineStats stats) {
        JsonObject o = new JsonObject();
        o.addProperty("id", r.id());
        o.add("prompt_ids", array(r.promptIds()));
        o.add("generated_ids", array(r.generatedIds()));
        if (text != null) {
            o.addProperty("text", text);
        }
        o.addProperty("finish_reason", r.finishReason().label());
        if (!r.detail().isEmpty()) {
            o.addProperty("detail", r.detail());
        }
        Timeline t = r.timeline();
        o.addProperty("ttft_ms", t.ttftMs());
        o.addProperty("tpot_ms", t.tpotMs());
        o.addProperty("e2el_ms", t.e2elMs());
        o.addProperty("tokens_per_s", t.numTokens() == 0 ? 0.0 : t.numTokens() / (t.e2elMs() / 1000.0));
        o.addProperty("num_preemptions", r.numPreemptions());
        kv(o, stats.kv());
        return GSON.toJson(o);
    }

    /** The run's summary line. */
    public static String summary(EngineStats stats, int requests, long outputTokens, double wallSeconds) {
        JsonObject o = new JsonObject();
        o.addProperty("summary", true);
        o.addProperty("requests", requests);
        o.addProperty("output_tokens", outputTokens);
        o.addProperty("wall_s", wallSeconds);
        o.addProperty("output_tokens_per_s", outputTokens / wallSeconds);
        o.addProperty("requests_per_s", requests / wallSeconds);
        o.addProperty("steps", stats.steps());
        o.addProperty("preemptions", stats.preemptions());
        o.addProperty("max_concurrent_seqs", stats.peakRunning());
        o.addProperty("prefix_hit_rate", stats.prefixHitRate());
        kv(o, stats.kv());
        return GSON.toJson(o);
    }

    private static void kv(JsonObject o, KvUsage kv) {
        o.addProperty("kv_capacity_bytes", kv.capacityBytes());
        o.addProperty("kv_peak_reserved_bytes", kv.peakReservedBytes());
        o.addProperty("kv_peak_live_bytes", kv.peakLiveBytes());
        o.addProperty("kv_waste_pct", kv.wastePercent());
        o.addProperty("kv_blocks_total", kv.blocksTotal());
        o.addProperty("kv_peak_blocks_used", kv.peakBlocksUsed());
    }

    private static JsonArray array(int[] ids) {
        JsonArray a = new JsonArray();
        for (int id : ids) {
            a.add(id);
        }
        return a;
    }
}
