package dev.kvlab.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvlab.model.Gpt2Tokenizer;
import dev.kvlab.runtime.LoadedModel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP API: {@code POST /v1/completions}, {@code GET /v1/models}, {@code GET /health}, {@code GET /metrics},
 * {@code POST /reset_prefix_cache} (vLLM's: forget the prefix cache, so a benchmark run does not hit prompts an
 * earlier run left there; needs the API key when one is set).
 * Errors are OpenAI-style JSON (see {@link ApiError}). /v1/* needs the API key when one is set. Shared by every
 * connection; thread-safe (its state is the engine loop's and the metrics', both thread-safe).
 */
final class Routes {
    private final ServerOptions options;
    private final EngineLoop loop;
    private final ServerMetrics metrics;
    private final Gpt2Tokenizer tokenizer;
    private final CompletionBody body;
    private final int contextLength;
    private final long startedAt = System.currentTimeMillis() / 1000;
    private final AtomicLong ids = new AtomicLong();
    private final String idPrefix = "cmpl-" + Long.toHexString(System.nanoTime() & 0xffffffL) + "-";

    Routes(ServerOptions options, LoadedModel model, EngineLoop loop, ServerMetrics metrics) {
        this.options = options;
        this.loop = loop;
        this.metrics = metrics;
        this.tokenizer = model.tokenizer();
        this.contextLength = model.config().nPositions();
        this.body = new CompletionBody(options.servedModelName(), model.config().vocabSize(), contextLength,
                tokenizer::encode);
    }

    /** Answers {@code request}; returns the completion when one now runs on the exchange, else null. */
    Completion handle(FullHttpRequest request, NettyExchange exchange) {
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        try {
            switch (path) {
                case "/health" -> {
                    require(method, HttpMethod.GET, path);
                    health(exchange);
                }
                case "/metrics" -> {
                    require(method, HttpMethod.GET, path);
                    exchange.text(200, "text/plain; version=0.0.4; charset=utf-8",
                            metrics.render(loop.snapshot(), loop.inFlight()));
                }
                case "/v1/models" -> {
                    require(method, HttpMethod.GET, path);
                    authorize(request);
                    exchange.json(200, models());
                }
                case "/reset_prefix_cache" -> {
                    require(method, HttpMethod.POST, path);
                    authorize(request);
                    if (loop.stopped()) {
                        throw ApiError.unavailable("The engine has stopped.");
                    }
                    loop.resetPrefixCache(() -> exchange.executor().execute(() -> exchange.text(200,
                            "text/plain; charset=utf-8", "")));
                }
                case "/v1/completions" -> {
                    require(method, HttpMethod.POST, path);
                    authorize(request);
                    return complete(request, exchange);
                }
                default -> throw ApiError.notFound("No route " + method + " " + path + "; this server has POST "
                        + "/v1/completions, GET /v1/models, GET /health, GET /metrics and POST /reset_prefix_cache.");
            }
        } catch (ApiError e) {
            metrics.httpError(e.status());
            exchange.json(e.status(), e.json());
        } catch (RuntimeException e) {
            ApiError a = ApiError.internal("internal error: " + e);
            metrics.httpError(a.status());
            exchange.json(a.status(), a.json());
        }
        return null;
    }

    private Completion complete(FullHttpRequest request, NettyExchange exchange) {
        CompletionRequest r = body.parse(request.content().toString(StandardCharsets.UTF_8));
        if (loop.stopped()) {
            throw ApiError.unavailable("The engine has stopped.");
        }
        if (!loop.tryReserve(r.numChoices())) {
            throw ApiError.overloaded(loop.inFlight());
        }
        Completion c = new Completion(idPrefix + ids.incrementAndGet(), System.currentTimeMillis() / 1000, r, exchange,
                loop, tokenizer::decode);
        c.start();
        return c;
    }

    private void health(NettyExchange exchange) {
        JsonObject o = new JsonObject();
        boolean up = !loop.stopped();
        o.addProperty("status", up ? "ok" : "stopped");
        exchange.json(up ? 200 : 503, o);
    }

    private JsonObject models() {
        JsonObject m = new JsonObject();
        m.addProperty("id", options.servedModelName());
        m.addProperty("object", "model");
        m.addProperty("created", startedAt);
        m.addProperty("owned_by", "kvlab");
        m.addProperty("max_model_len", contextLength);
        JsonArray data = new JsonArray();
        data.add(m);
        JsonObject list = new JsonObject();
        list.addProperty("object", "list");
        list.add("data", data);
        return list;
    }

    private void authorize(FullHttpRequest request) {
        if (options.apiKey() == null) {
            return;
        }
        String h = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        String expected = "Bearer " + options.apiKey();
        if (h == null || !MessageDigest.isEqual(h.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8))) {
            throw ApiError.unauthorized();
        }
    }

    private static void require(HttpMethod method, HttpMethod wanted, String path) {
        if (!method.equals(wanted)) {
            throw ApiError.methodNotAllowed(method.name(), path);
        }
    }
}
