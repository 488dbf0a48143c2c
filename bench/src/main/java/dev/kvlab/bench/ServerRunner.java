package dev.kvlab.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kvlab.cache.MemoryStats;
import dev.kvlab.runtime.EngineStats;
import dev.kvlab.runtime.KvUsage;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one sweep point against an OpenAI-compatible server ({@code kvlab bench --server}): each request of the workload
 * is sent when the clock passes its arrival time as a streamed {@code /v1/completions} call with the prompt's token
 * ids, {@code max_tokens}, temperature 0 and {@code ignore_eos} (so outputs have the workload's lengths, as vLLM's
 * random dataset does), and timed on the client from the stream ({@link StreamTimer}). Requests are concurrent (the
 * JDK's asynchronous HttpClient, no thread per request). As {@code vllm bench serve} does, a request's times start
 * when it is sent (the clock read just before the call), so TTFT is send to first chunk. Before each run the
 * server's prefix cache is reset ({@code POST /reset_prefix_cache}, vLLM's endpoint; kvlab serve has it), as an
 * in-process run starts from a fresh engine: otherwise a server that lived through earlier runs (or the warm-up)
 * finds the same seeded prompts in its prefix cache and computes only their last blocks. A server without the
 * endpoint is noted once and measured as it is. The engine counters of the result are those the client can know:
 * only the most requests in flight at once; KV columns are 0.
 *
 * <p>Token times are chunk times: a server that puts several tokens in one chunk gets fewer, later "tokens" and its
 * TPOT is computed over chunks (kvlab's own server sends one chunk per token).
 */
final class ServerRunner {
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(30);

    private final ServerTarget target;
    private final Progress progress;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    /** Whether the server answered POST /reset_prefix_cache with 2xx; null until asked. */
    private Boolean resets;

    ServerRunner(ServerTarget target, Progress progress) {
        this.target = target;
        this.progress = progress;
    }

    /** The target with its model filled in from {@code GET /v1/models} when none was given. */
    static ServerTarget resolveModel(ServerTarget target) {
        if (target.model() != null) {
            return target;
        }
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve("/models")).timeout(Duration.ofSeconds(30)).GET();
        if (target.apiKey() != null) {
            b.header("Authorization", "Bearer " + target.apiKey());
        }
        try {
            HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalArgumentException("--server " + target.baseUrl() + ": GET /models answered "
                        + r.statusCode() + ": " + r.body().lines().findFirst().orElse(""));
            }
            JsonArray data = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("data");
            if (data == null || data.isEmpty()) {
                throw new IllegalArgumentException("--server " + target.baseUrl() + " lists no model; give --server-model");
            }
            return target.withModel(data.get(0).getAsJsonObject().get("id").getAsString());
        } catch (IOException e) {
            throw new IllegalArgumentException("--server " + target.baseUrl() + " cannot be reached: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("--server " + target.baseUrl() + ": unreadable /models answer: " + e, e);
        }
    }

    /** Runs {@code requests} (sorted by arrival); {@code config} is only recorded with the result. */
    RunResult run(RunConfig config, List<RequestSpec> requests) {
        resetPrefixCache();
        long t0 = System.nanoTime();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<CompletableFuture<RequestTiming>> futures = new ArrayList<>(requests.size());
        for (RequestSpec r : requests) {
            BenchRunner.sleepUntil(BenchRunner.arrivalNanos(t0, r));
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            futures.add(send(r).whenComplete((t, e) -> {
                inFlight.decrementAndGet();
                progress.update(done.incrementAndGet(), requests.size());
            }));
        }
        List<RequestTiming> timings = new ArrayList<>(requests.size());
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            RequestTiming t = futures.get(i).join();
            timings.add(t);
            if (t.outputTokens() == 0 && problems.size() < 3) {
                problems.add(requests.get(i).id());
            }
        }
        if (!problems.isEmpty()) {
            progress.note("server: requests without output, e.g. " + String.join(", ", problems));
        }
        EngineStats stats = new EngineStats(0, 0, 0, 0, 0, peak.get(),
                KvUsage.empty(new MemoryStats(0, 0, 0, 0, 0, 0, 0)));
        return new RunResult(config, timings, stats, LatencyMetrics.of(timings, t0));
    }

    /** Asks the server to forget its prefix cache (see the class Javadoc); notes once when it cannot. */
    private void resetPrefixCache() {
        if (Boolean.FALSE.equals(resets)) {
            return;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(target.root("/reset_prefix_cache"))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody());
        if (target.apiKey() != null) {
            b.header("Authorization", "Bearer " + target.apiKey());
        }
        int status;
        try {
            status = client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            status = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        resets = status / 100 == 2;
        if (!resets) {
            progress.note("server: POST /reset_prefix_cache answered " + (status < 0 ? "nothing" : status)
                    + ": prompts repeated across runs (and the warm-up's) may hit its prefix cache");
        }
    }

    /** Sends {@code r} now; its times start at the send, as vLLM's benchmark times them. */
    private CompletableFuture<RequestTiming> send(RequestSpec r) {
        StreamTimer timer = new StreamTimer();
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve("/completions")).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(r).toString()));
        if (target.apiKey() != null) {
            b.header("Authorization", "Bearer " + target.apiKey());
        }
        long sent = System.nanoTime();
        RequestTiming failed = new RequestTiming(r.id(), r.promptTokens(), sent, new long[0], 0);
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.fromLineSubscriber(timer, s -> s, "\n"))
                .thenCompose(resp -> resp.statusCode() == 200 ? timer.finished()
                        : CompletableFuture.completedFuture(null))
                .handle((t, e) -> t == null || e != null || t.problem() != null ? failed
                        : new RequestTiming(r.id(), r.promptTokens(), sent, t.chunkNanos(), 0));
    }

    private JsonObject body(RequestSpec r) {
        JsonObject o = new JsonObject();
        o.addProperty("model", target.model());
        JsonArray ids = new JsonArray();
        for (int id : r.promptIds()) {
            ids.add(id);
        }
        o.add("prompt", ids);
        o.addProperty("max_tokens", r.maxNewTokens());
        o.addProperty("temperature", 0);
        o.addProperty("ignore_eos", true);
        o.addProperty("stream", true);
        JsonObject so = new JsonObject();
        so.addProperty("include_usage", true);
        o.add("stream_options", so);
        return o;
    }
}
