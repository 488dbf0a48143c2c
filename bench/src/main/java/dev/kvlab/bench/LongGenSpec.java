package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * With vs without cache as one sequence grows. For each strategy and each sampled length t, one request with a
 * (t - 1)-token prompt generates {@code 1 + reps} tokens: its decode steps run at lengths t, t + 1, ...; the median of
 * those step times is the time per token at length t. For {@code none} a step recomputes the whole sequence, for a
 * cache it computes one token. Total time to generate {@code totalTokens} from scratch = the sum of step times over
 * t = 1..totalTokens, estimated by the trapezoidal rule over the sampled lengths (exact where sampled).
 *
 * @param model       model to run (default gpt2-medium-random)
 * @param totalTokens length the sequence grows to (default 1000)
 * @param every       sample every this many tokens (default 100), plus length 2
 * @param reps        decode steps per sample (default 3)
 * @param strategies  default [contiguous, none]
 * @param seed        prompt token seed
 */
public record LongGenSpec(String model, int totalTokens, int every, int reps, List<String> strategies, long seed) {
    public LongGenSpec {
        model = model == null ? "gpt2-medium-random" : model;
        totalTokens = totalTokens == 0 ? 1000 : totalTokens;
        every = every == 0 ? 100 : every;
        reps = reps == 0 ? 3 : reps;
        strategies = strategies == null || strategies.isEmpty() ? List.of("contiguous", "none") : List.copyOf(strategies);
        if (totalTokens < 2 || every < 1 || reps < 1) {
            throw new IllegalArgumentException("longGen needs totalTokens >= 2, every >= 1, reps >= 1");
        }
    }

    /** The sampled lengths: 2, every, 2 * every, ..., totalTokens (ascending, distinct). */
    public List<Integer> lengths() {
        List<Integer> out = new ArrayList<>(List.of(2));
        for (int t = every; t < totalTokens; t += every) {
            if (t > 2) {
                out.add(t);
            }
        }
        if (totalTokens > 2) {
            out.add(totalTokens);
        }
        return out;
    }
}
