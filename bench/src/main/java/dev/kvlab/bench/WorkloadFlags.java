package dev.kvlab.bench;

import picocli.CommandLine.Option;

/** The workload flags of {@code kvlab bench} (defaults: the quick run, 16 ShareGPT-like requests). */
public final class WorkloadFlags {
    @Option(names = "--workload", defaultValue = "mixed", paramLabel = "KIND",
            description = "fixed, mixed (ShareGPT-like log-normal lengths) or shared-prefix (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--requests", defaultValue = "16", paramLabel = "N", description = "Requests (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--prompt-tokens", defaultValue = "32", paramLabel = "N",
            description = "Prompt length; the median for mixed; the suffix after the shared prefix (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--output-tokens", defaultValue = "32", paramLabel = "N",
            description = "Output length; the median for mixed (default: ${DEFAULT-VALUE}).")
    int outputTokens;

    @Option(names = "--prefix-tokens", defaultValue = "256", paramLabel = "N",
            description = "shared-prefix: system prompt length (default: ${DEFAULT-VALUE}).")
    int prefixTokens;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "Seeds workload lengths, token ids and arrivals (default: ${DEFAULT-VALUE}).")
    long seed;

    WorkloadSpec spec() {
        return new WorkloadSpec(kind, requests, promptTokens, outputTokens, prefixTokens, seed);
    }
}
