package dev.kvlab.bench;

import dev.kvlab.cache.CacheOption;
import dev.kvlab.cache.KvCacheRegistry;
import java.util.List;

/**
 * The quality experiment: teacher-forced passes over passages for every strategy x KV budget (x sinks for a strategy
 * that reads them), scored against the full cache. Each passage is a request: its first {@code prompt} tokens are
 * prefilled in chunks of {@code chunk}, every later token is one decode step, and the decode steps are scored.
 *
 * @param model      model (default: the plan's); a shipped trained model ({@code kjv-small}) is scored on its
 *                   held-out text, any other on seeded random tokens
 * @param length     tokens per passage (default 1024, the whole context)
 * @param passages   passages, evenly spaced over the held-out token stream (default 4)
 * @param budgets    KV budgets in tokens, each set as the token budget the strategy declares
 *                   ({@code StrategyDescription.tokenBudget}: the ring's window, the eviction policies' budget per
 *                   layer); strategies without one hold everything and are scored once, at a budget >= length
 *                   (default 96, 208, 304, 512, 768, 1024: 10, 20, 30, 50, 75 and 100% of 1024 in 16-token blocks)
 * @param sinks      sink counts, for strategies that read them (ring, mix; default 0 and 4)
 * @param strategies strategies (default: every registered one)
 * @param chunk      tokens per prefill chunk (default 64)
 * @param prompt     tokens of each passage prefilled as its prompt (default length / 2); positions from here on are
 *                   decoded one token per step and scored
 * @param attentionPassages passages the attention-sink statistics average over (default 2)
 * @param seed       seed of random-token passages
 */
public record QualitySpec(String model, int length, int passages, List<Integer> budgets, List<Integer> sinks,
                          List<String> strategies, int chunk, int attentionPassages, long seed, int prompt) {
    /** Refuses a passage longer than the model's context (checked before anything is measured). */
    void checkLength(dev.kvlab.model.Gpt2Config c) {
        if (length > c.nPositions()) {
            throw new IllegalArgumentException("quality: length " + length + " exceeds the model's " + c.nPositions()
                    + " positions (n_positions); give a length of at most " + c.nPositions());
        }
    }

    public QualitySpec {
        length = length == 0 ? 1024 : length;
        passages = passages == 0 ? 4 : passages;
        budgets = budgets == null || budgets.isEmpty() ? List.of(96, 208, 304, 512, 768, 1024) : List.copyOf(budgets);
        sinks = sinks == null || sinks.isEmpty() ? List.of(0, 4) : List.copyOf(sinks);
        strategies = strategies == null || strategies.isEmpty() ? KvCacheRegistry.names() : List.copyOf(strategies);
        chunk = chunk == 0 ? 64 : chunk;
        attentionPassages = attentionPassages == 0 ? 2 : attentionPassages;
        prompt = prompt == 0 ? length / 2 : prompt;
        if (length < 3 || passages < 1 || chunk < 1 || attentionPassages < 0) {
            throw new IllegalArgumentException("quality: length >= 3, passages >= 1, chunk >= 1 needed");
        }
        if (prompt < 1 || prompt > length - 2) {
            throw new IllegalArgumentException("quality: prompt must be in [1, length - 2] (at least one decode step "
                    + "is scored), got " + prompt + " for length " + length);
        }
        for (String s : strategies) {
            if (!KvCacheRegistry.names().contains(s)) {
                throw new IllegalArgumentException("quality: unknown strategy '" + s + "'; known: "
                        + String.join(", ", KvCacheRegistry.names()));
            }
        }
        for (int b : budgets) {
            for (int s : sinks) {
                if (b < 1 || s < 0 || (readsSinks(strategies) && s >= b)) {
                    throw new IllegalArgumentException("quality: every budget must exceed every sink count, got "
                            + "budget " + b + " sinks " + s);
                }
            }
        }
    }

    /** Whether a strategy with a token budget reads sinks too (which must then stay below every budget). */
    private static boolean readsSinks(List<String> strategies) {
        return strategies.stream().map(KvCacheRegistry::describe)
                .anyMatch(d -> d.tokenBudget().isPresent() && d.readsOption(CacheOption.SINKS));
    }
}
