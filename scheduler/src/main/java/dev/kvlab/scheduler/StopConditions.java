package dev.kvlab.scheduler;

import java.util.Arrays;
import java.util.Optional;

/**
 * When a request stops generating. The stopping token is kept as the last output token (as vLLM keeps it in
 * {@code output_token_ids}); hiding it is the detokenizer's business. When several conditions hold for one token,
 * the reason is EOS, then STOP_TOKEN, then LENGTH.
 *
 * @param maxNewTokens the most tokens to generate, at least 1
 * @param ignoreEos    keep generating after {@code eosTokenId} (benchmarks want exact output lengths)
 * @param eosTokenId   the end-of-sequence token (GPT-2: 50256)
 * @param stopTokenIds more tokens that stop generation, whatever {@code ignoreEos} says
 */
public record StopConditions(int maxNewTokens, boolean ignoreEos, int eosTokenId, int[] stopTokenIds) {

    public StopConditions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        if (eosTokenId < 0) {
            throw new IllegalArgumentException("eos token id must be >= 0, got " + eosTokenId);
        }
        stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
        for (int id : stopTokenIds) {
            if (id < 0) {
                throw new IllegalArgumentException("stop token ids must be >= 0, got " + id);
            }
        }
    }

    /** Stops at {@code maxNewTokens} tokens or at EOS. */
    public static StopConditions of(int maxNewTokens, int eosTokenId) {
        return new StopConditions(maxNewTokens, false, eosTokenId, new int[0]);
    }

    public StopConditions ignoringEos() {
        return new StopConditions(maxNewTokens, true, eosTokenId, stopTokenIds);
    }

    public StopConditions withStopTokenIds(int... ids) {
        return new StopConditions(maxNewTokens, ignoreEos, eosTokenId, ids);
    }

    @Override
    public int[] stopTokenIds() {
        return stopTokenIds.clone();
    }

    /** Whether generation stops after {@code token}, which made the output {@code numOutputTokens} long. */
    public Optional<FinishReason> check(int token, int numOutputTokens) {
        if (token == eosTokenId && !ignoreEos) {
            return Optional.of(FinishReason.EOS);
        }
        for (int id : stopTokenIds) {
            if (id == token) {
                return Optional.of(FinishReason.STOP_TOKEN);
            }
        }
        return numOutputTokens >= maxNewTokens ? Optional.of(FinishReason.LENGTH) : Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StopConditions s && s.maxNewTokens == maxNewTokens && s.ignoreEos == ignoreEos
                && s.eosTokenId == eosTokenId && Arrays.equals(s.stopTokenIds, stopTokenIds);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(stopTokenIds) + Integer.hashCode(maxNewTokens) + (ignoreEos ? 7 : 0) + eosTokenId;
    }

    @Override
    public String toString() {
        return "StopConditions[maxNewTokens=" + maxNewTokens + ", ignoreEos=" + ignoreEos + ", eosTokenId="
                + eosTokenId + ", stopTokenIds=" + Arrays.toString(stopTokenIds) + "]";
    }
}
