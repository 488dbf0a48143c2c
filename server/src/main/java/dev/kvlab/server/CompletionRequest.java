package dev.kvlab.server;

import java.util.List;
import java.util.OptionalLong;

/**
 * A validated {@code POST /v1/completions} body (see {@link CompletionBody} for the field rules).
 *
 * @param model        the served model's name
 * @param prompts      one token-id prompt per choice group; each non-empty, ids in the vocabulary
 * @param maxTokens    tokens to generate at most per choice
 * @param temperature  0 = greedy
 * @param topP         nucleus mass in (0, 1]
 * @param topK         0 = no limit
 * @param seed         seeds choice i of each prompt with seed + i; empty = a random seed per request
 * @param n            choices per prompt, sharing the prompt's cached blocks where the strategy shares
 * @param stop         stop strings (the text is cut before the first one; finish_reason "stop")
 * @param stream       answer with server-sent events
 * @param includeUsage streaming: a last chunk with usage (stream_options.include_usage)
 * @param logprobs     top log-probabilities per token, -1 = none
 * @param ignoreEos    never pick EOS (vLLM)
 * @param minTokens    EOS and stop strings are ignored before this many tokens (vLLM)
 * @param echo         the prompt's text goes before the completion
 */
record CompletionRequest(String model, List<int[]> prompts, int maxTokens, double temperature, double topP, int topK,
                         OptionalLong seed, int n, List<String> stop, boolean stream, boolean includeUsage,
                         int logprobs, boolean ignoreEos, int minTokens, boolean echo) {
    CompletionRequest {
        prompts = List.copyOf(prompts);
        stop = List.copyOf(stop);
    }

    /** Engine requests this asks for. */
    int numChoices() {
        return prompts.size() * n;
    }
}
