package dev.kvlab.bench;

import dev.kvlab.cache.KvCacheRegistry;
import java.util.List;

/**
 * The quality experiment: teacher-forced passes over passages for every strategy x KV budget (x sinks for the ring),
 * scored against the full cache.
 *
 * @param model      model (default: the plan's); a shipped trained model ({@code kjv-small}) is scored on its
 *                   held-out text, any other on seeded random tokens
 * @param length     tokens per passage (default 1024, the whole context)
 * @param passages   passages, evenly spaced over the held-out token stream (default 4)
 * @param budgets    KV budgets in tokens: the ring's window; strategies that hold everything need budget >= length
 *                   (default 32, 64, ..., 1024)
 * @param sinks      ring sink counts (default 0 and 4)
 * @param strategies strategies (default: every registered one)
 * @param chunk      tokens per forward pass (default 64)
 * @param attentionPassages passages the attention-sink statistics average over (default 2)
 * @param seed       seed of random-token passages
 */
public record QualitySpec(String model, int length, int passages, List<Integer> budgets, List<Integer> sinks,
                          List<String> strategies, int chunk, int attentionPassages, long seed) {
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
        budgets = budgets == null || budgets.isEmpty() ? List.of(32, 64, 128, 256, 512, 1024) : List.copyOf(budgets);
        sinks = sinks == null || sinks.isEmpty() ? List.of(0, 4) : List.copyOf(sinks);
        strategies = strategies == null || strategies.isEmpty() ? KvCacheRegistry.names() : List.copyOf(strategies);
        chunk = chunk == 0 ? 64 : chunk;
        attentionPassages = attentionPassages == 0 ? 2 : attentionPassages;
        if (length < 3 || passages < 1 || chunk < 1 || attentionPassages < 0) {
            throw new IllegalArgumentException("quality: length >= 3, passages >= 1, chunk >= 1 needed");
        }
        for (String s : strategies) {
            if (!KvCacheRegistry.names().contains(s)) {
                throw new IllegalArgumentException("quality: unknown strategy '" + s + "'; known: "
                        + String.join(", ", KvCacheRegistry.names()));
            }
        }
        for (int b : budgets) {
            for (int s : sinks) {
                if (b < 1 || s < 0 || (strategies.contains("ring") && s >= b)) {
                    throw new IllegalArgumentException("quality: every budget must exceed every sink count, got "
                            + "budget " + b + " sinks " + s);
                }
            }
        }
    }
}
