package dev.kvlab.bench;

/**
 * One request of a workload. Bench requests are greedy and ignore EOS, so exactly {@code maxNewTokens} come out
 * (vLLM's random dataset does the same): output lengths follow the workload, not the formula weights.
 *
 * @param id           unique within the workload
 * @param promptIds    prompt token ids (never EOS)
 * @param maxNewTokens output tokens
 * @param arrivalMs    arrival, ms after the run starts
 */
public record RequestSpec(String id, int[] promptIds, int maxNewTokens, double arrivalMs) {
    public RequestSpec {
        if (promptIds.length == 0 || maxNewTokens < 1 || arrivalMs < 0) {
            throw new IllegalArgumentException("request " + id + ": empty prompt, no output or negative arrival");
        }
        promptIds = promptIds.clone();
    }

    @Override
    public int[] promptIds() {
        return promptIds.clone();
    }

    public int promptTokens() {
        return promptIds.length;
    }

    public RequestSpec withArrivalMs(double ms) {
        return new RequestSpec(id, promptIds, maxNewTokens, ms);
    }
}
