package dev.kvlab.bench;

import dev.kvlab.model.torch.Gpt2Model;
import dev.kvlab.runtime.Engine;
import dev.kvlab.runtime.GenerationRequest;
import dev.kvlab.runtime.RequestResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The static-batching baseline, as a padded {@code generate()} serves a queue: requests are cut into groups of
 * {@code batchLimit} in arrival order; a group starts when the previous one has ended and its last member has arrived;
 * every prompt of the group is left-padded with EOS to the group's longest prompt and every request generates the
 * group's longest output (ignoring EOS), so the group runs until its longest request is done. Each request is
 * credited with only its own output tokens, at the times they came out; its prompt length is its real one.
 * The padded tokens are computed (and attended to, as an unmasked padded batch would); the cost is what matters here.
 */
final class StaticBatching {
    private final Gpt2Model model;
    private final Progress progress;

    StaticBatching(Gpt2Model model, Progress progress) {
        this.model = model;
        this.progress = progress;
    }

    RunResult run(RunConfig config, List<RequestSpec> requests) {
        int eos = model.config().eosTokenId();
        try (Engine engine = new Engine(model, config.engine())) {
            long t0 = System.nanoTime();
            Map<String, RequestTiming> done = new HashMap<>();
            for (int from = 0; from < requests.size(); from += config.batchLimit()) {
                List<RequestSpec> group = requests.subList(from, Math.min(requests.size(), from + config.batchLimit()));
                BenchRunner.sleepUntil(BenchRunner.arrivalNanos(t0, group.get(group.size() - 1)));
                runGroup(engine, group, eos, t0, done);
                progress.update(done.size(), requests.size());
            }
            return BenchRunner.result(config, requests, done, engine, t0);
        }
    }

    private static void runGroup(Engine engine, List<RequestSpec> group, int eos, long t0,
                                 Map<String, RequestTiming> done) {
        int longestPrompt = group.stream().mapToInt(RequestSpec::promptTokens).max().orElseThrow();
        int longestOutput = group.stream().mapToInt(RequestSpec::maxNewTokens).max().orElseThrow();
        if (longestPrompt + longestOutput > engine.cache().spec().maxPositions()) {
            throw new IllegalArgumentException("static batching pads a group to a " + longestPrompt + "-token prompt and "
                    + longestOutput + " output tokens, more than the model's " + engine.cache().spec().maxPositions()
                    + " positions; use shorter lengths or a smaller batch limit");
        }
        List<GenerationRequest> padded = new ArrayList<>(group.size());
        for (RequestSpec r : group) {
            padded.add(BenchRunner.request(r, leftPad(r.promptIds(), longestPrompt, eos), longestOutput));
        }
        List<RequestResult> results = engine.runToCompletion(padded);
        for (int i = 0; i < group.size(); i++) {
            RequestSpec r = group.get(i);
            done.put(r.id(), BenchRunner.timing(results.get(i), BenchRunner.arrivalNanos(t0, r), r.maxNewTokens(),
                    r.promptTokens()));
        }
    }

    static int[] leftPad(int[] ids, int length, int pad) {
        int[] out = new int[length];
        java.util.Arrays.fill(out, 0, length - ids.length, pad);
        System.arraycopy(ids, 0, out, length - ids.length, ids.length);
        return out;
    }
}
