package dev.kvlab.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Reads one streamed completion line by line as it arrives and stamps the arrival time of every chunk that carries a
 * choice, as {@code vllm bench serve} does (its TTFT is the first such chunk, its ITL the gaps between them). The
 * usage chunk's {@code completion_tokens} is kept when the server sends one. Thread-safe enough for its one producer,
 * the HTTP client.
 */
final class StreamTimer implements Flow.Subscriber<String> {
    private long[] chunkNanos = new long[64];
    private int chunks;
    private int usageTokens = -1;
    private boolean done;
    private String error;
    private final CompletableFuture<StreamTimer> finished = new CompletableFuture<>();

    @Override
    public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        long now = System.nanoTime();
        if (!line.startsWith("data:")) {
            return;
        }
        String data = line.substring(5).trim();
        if (data.equals("[DONE]")) {
            done = true;
            return;
        }
        try {
            JsonObject o = JsonParser.parseString(data).getAsJsonObject();
            if (o.has("error")) {
                error = o.get("error").toString();
                return;
            }
            JsonElement choices = o.get("choices");
            if (choices != null && choices.isJsonArray() && !choices.getAsJsonArray().isEmpty()) {
                if (chunks == chunkNanos.length) {
                    chunkNanos = Arrays.copyOf(chunkNanos, chunks * 2);
                }
                chunkNanos[chunks++] = now;
            }
            JsonElement usage = o.get("usage");
            if (usage != null && usage.isJsonObject() && usage.getAsJsonObject().has("completion_tokens")) {
                usageTokens = usage.getAsJsonObject().get("completion_tokens").getAsInt();
            }
        } catch (RuntimeException e) {
            error = "unreadable event: " + data;
        }
    }

    @Override
    public void onError(Throwable t) {
        error = String.valueOf(t);
        finished.complete(this);
    }

    @Override
    public void onComplete() {
        finished.complete(this);
    }

    CompletableFuture<StreamTimer> finished() {
        return finished;
    }

    /** Arrival times of the chunks with a choice, oldest first. */
    long[] chunkNanos() {
        return Arrays.copyOf(chunkNanos, chunks);
    }

    /** The server's completion token count, or -1 when it sent no usage. */
    int usageTokens() {
        return usageTokens;
    }

    /** Null when the stream ended with [DONE] and no error. */
    String problem() {
        return error != null ? error : done ? null : "the stream ended without [DONE]";
    }
}
