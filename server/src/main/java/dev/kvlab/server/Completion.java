package dev.kvlab.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.RequestResult;
import dev.kvlab.runtime.SamplingParams;
import dev.kvlab.runtime.TokenLogprobs;
import dev.kvlab.scheduler.FinishReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * One {@code /v1/completions} call in flight: its choices (n per prompt, each one engine request), what the engine
 * sends back for them, and the answer, as one JSON object or as server-sent events in OpenAI's chunk format (one chunk
 * per token, the last one of each choice with its finish_reason, then usage if asked, then {@code data: [DONE]}).
 *
 * <p>n &gt; 1: when the engine can fork ({@link EngineLoop#forks}: paged, n within the seats) the n choices of a
 * prompt go to the engine together, choices 1..n-1 as forks of choice 0: the prompt is computed once, every choice
 * samples its first token from its last position, and they share the prompt's blocks by reference, the partly
 * filled last one copied by the first choice that writes into it. Otherwise (strategies that cannot fork) choice 0
 * goes first and the other n - 1 follow once it produced its first token, so that a prefix-sharing cache lets them
 * attach the prompt's full blocks instead of computing them again. The answers are the same either way.
 *
 * <p>Confined to the exchange's thread: engine events are handed over to it. Invariant: each choice finishes once;
 * when every choice has finished the answer is complete and nothing more is written; a choice that finishes early
 * (stop string, disconnect) has its engine request cancelled, which frees its cache.
 */
final class Completion {
    private final String id;
    private final long created;
    private final CompletionRequest request;
    private final Exchange exchange;
    private final EngineLoop engine;
    private final Function<int[], String> decoder;
    private final List<ChoiceState> choices = new ArrayList<>();
    /** Per prompt: whether choices 1..n-1 were submitted (or given up); shape [prompts]. */
    private boolean[] followersDone;
    private boolean started;
    /** Stream events' JSON, made at the first event. */
    private StreamEventJson events;
    private boolean over;
    private int unfinished;

    Completion(String id, long created, CompletionRequest request, Exchange exchange, EngineLoop engine,
               Function<int[], String> decoder) {
        this.id = id;
        this.created = created;
        this.request = request;
        this.exchange = exchange;
        this.engine = engine;
        this.decoder = decoder;
    }

    /** Sends the first choice of each prompt to the engine (room for all choices must be reserved already). */
    void start() {
        int n = request.n();
        for (int p = 0; p < request.prompts().size(); p++) {
            int[] prompt = request.prompts().get(p);
            for (int i = 0; i < n; i++) {
                int index = p * n + i;
                ChoiceState c = new ChoiceState(index, id + "-" + index, prompt,
                        new TextAssembler(decoder, request.stop(), request.minTokens()), decoder, request.logprobs() >= 0);
                choices.add(c);
            }
        }
        unfinished = choices.size();
        followersDone = new boolean[request.prompts().size()];
        boolean fork = n > 1 && engine.forks(n);
        for (int p = 0; p < request.prompts().size(); p++) {
            followersDone[p] = n == 1 || fork;
            if (fork) {
                List<EngineLoop.Sample> samples = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    samples.add(sample(choices.get(p * n + i)));
                }
                engine.submitForked(samples);
            } else {
                submit(choices.get(p * n));
            }
        }
    }

    /** The client went away: cancel what still runs; nothing more is written. */
    void abandon() {
        if (over) {
            return;
        }
        over = true;
        for (ChoiceState c : choices) {
            if (!c.finished()) {
                c.finish("abandoned");
                engine.cancel(c.engineId);
            }
        }
        releaseUnsubmitted();
    }

    // ---- engine side

    private void submit(ChoiceState c) {
        EngineLoop.Sample s = sample(c);
        engine.submit(s.request(), s.topLogprobs(), s.minTokens(), s.sink());
    }

    /** The engine request of choice {@code c}: sample i of its prompt is seeded {@code seed + i}. */
    private EngineLoop.Sample sample(ChoiceState c) {
        int sample = c.index % request.n();
        long seed = request.seed().isPresent() ? request.seed().getAsLong() + sample
                : ThreadLocalRandom.current().nextLong();
        SamplingParams sp = new SamplingParams(request.temperature(), request.topK(), request.topP(), seed);
        GenerationRequest g = new GenerationRequest(c.engineId, c.promptIds, request.maxTokens(), sp,
                request.ignoreEos(), new int[0]);
        return new EngineLoop.Sample(g, request.logprobs(), request.minTokens(), sinkFor(c));
    }

    /** Submits choices 1..n-1 of {@code c}'s prompt after its choice 0 has made progress. */
    private void releaseFollowers(ChoiceState c) {
        int n = request.n();
        int p = c.index / n;
        if (c.index % n != 0 || followersDone[p]) {
            return;
        }
        followersDone[p] = true;
        for (int i = 1; i < n; i++) {
            ChoiceState f = choices.get(p * n + i);
            if (!f.finished()) {
                submit(f);
            }
        }
    }

    /** Returns the reservations of followers that will never be submitted (on abandon or early failure). */
    private void releaseUnsubmitted() {
        int n = request.n();
        int unsubmitted = 0;
        for (int p = 0; p < followersDone.length; p++) {
            if (!followersDone[p]) {
                followersDone[p] = true;
                unsubmitted += n - 1;
            }
        }
        engine.unreserve(unsubmitted);
    }

    private SampleSink sinkFor(ChoiceState c) {
        return new SampleSink() {
            @Override
            public void onToken(int token, TokenLogprobs logprobs, RequestResult finished) {
                exchange.executor().execute(() -> token(c, token, logprobs, finished));
            }

            @Override
            public void onFinish(RequestResult result) {
                exchange.executor().execute(() -> ended(c, result));
            }

            @Override
            public void onFailure(String message) {
                exchange.executor().execute(() -> failed(c, message));
            }
        };
    }

    // ---- exchange thread

    private void token(ChoiceState c, int token, TokenLogprobs lp, RequestResult finished) {
        releaseFollowers(c);
        if (over || c.finished()) {
            return;
        }
        JsonObject tokenLogprobs = c.token(token, lp);
        // EOS ends the choice but is no text (vLLM's skip_special_tokens; OpenAI's text has no <|endoftext|>)
        boolean eos = finished != null && finished.finishReason() == FinishReason.EOS;
        String delta = eos ? "" : c.text.add(token);
        String reason = null;
        if (c.text.stopped()) {
            reason = "stop";
            engine.cancel(c.engineId);
        } else if (finished != null) {
            delta += c.text.finish();
            reason = finishReason(finished);
        }
        if (reason != null) {
            c.finish(reason);
            unfinished--;
        }
        if (request.stream()) {
            streamEvent(c, delta, tokenLogprobs, reason);
        }
        completeIfDone();
    }

    private void ended(ChoiceState c, RequestResult r) {
        releaseFollowers(c);
        if (over || c.finished()) {
            return;
        }
        if (r.rejected()) {
            fail(ApiError.invalid("prompt", "The request cannot be served: " + r.detail()));
            return;
        }
        if (r.failed()) {
            fail(ApiError.internal("Generation failed: " + r.detail()));
            return;
        }
        String delta = c.text.finish();
        c.finish(finishReason(r));
        unfinished--;
        if (request.stream()) {
            streamEvent(c, delta, null, c.finishReason());
        }
        completeIfDone();
    }

    private void failed(ChoiceState c, String message) {
        if (!over && !c.finished()) {
            fail(ApiError.internal(message));
        }
    }

    /** Ends the whole completion with an error (a 4xx/5xx answer, or an error event if streaming began). */
    private void fail(ApiError e) {
        for (ChoiceState c : choices) {
            if (!c.finished()) {
                c.finish("error");
                engine.cancel(c.engineId);
            }
        }
        releaseUnsubmitted();
        over = true;
        if (request.stream() && started) {
            exchange.event(e.json().toString());
            exchange.event("[DONE]");
            exchange.endEvents();
        } else {
            exchange.json(e.status(), e.json());
        }
    }

    private static String finishReason(RequestResult r) {
        return switch (r.finishReason()) {
            case LENGTH -> "length";
            case EOS, STOP_TOKEN -> "stop";
            case CANCELLED -> "abort";
            case REJECTED -> "rejected";
            case ERROR -> "error";
        };
    }

    private void streamEvent(ChoiceState c, String delta, JsonObject logprobs, String reason) {
        if (!started) {
            started = true;
            exchange.startEvents();
        }
        if (events == null) {
            events = new StreamEventJson(header());
        }
        exchange.event(events.event(c.index, echoed(c) + delta, logprobs, reason));
    }

    /** The prompt's text before the first text of a choice when echo is on; empty otherwise. */
    private String echoed(ChoiceState c) {
        if (!request.echo() || c.echoDone) {
            return "";
        }
        c.echoDone = true;
        return decoder.apply(c.promptIds);
    }

    private void completeIfDone() {
        if (unfinished > 0 || over) {
            return;
        }
        over = true;
        if (request.stream()) {
            if (request.includeUsage()) {
                JsonObject last = header();
                last.add("choices", new JsonArray());
                last.add("usage", usage());
                exchange.event(last.toString());
            }
            exchange.event("[DONE]");
            exchange.endEvents();
            return;
        }
        JsonArray list = new JsonArray();
        for (ChoiceState c : choices) {
            JsonObject choice = new JsonObject();
            choice.addProperty("index", c.index);
            choice.addProperty("text", (request.echo() ? decoder.apply(c.promptIds) : "") + c.text.text());
            choice.add("logprobs", c.logprobsJson());
            choice.addProperty("finish_reason", c.finishReason());
            list.add(choice);
        }
        JsonObject body = header();
        body.add("choices", list);
        body.add("usage", usage());
        exchange.json(200, body);
    }

    private JsonObject header() {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("object", "text_completion");
        o.addProperty("created", created);
        o.addProperty("model", request.model());
        return o;
    }

    private JsonObject usage() {
        long prompt = 0;
        for (int[] p : request.prompts()) {
            prompt += p.length;
        }
        long completion = 0;
        for (ChoiceState c : choices) {
            completion += c.tokens();
        }
        JsonObject u = new JsonObject();
        u.addProperty("prompt_tokens", prompt);
        u.addProperty("completion_tokens", completion);
        u.addProperty("total_tokens", prompt + completion);
        return u;
    }
}
