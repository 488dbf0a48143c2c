package dev.kvlab.bench;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * The list flags of {@code kvlab bench}: each sweeps one dimension. A list flag, when given, replaces the
 * matching single-value flag of {@code CacheFlags} ({@code --cache}, {@code --max-seqs}, {@code --kv-budget-tokens},
 * {@code --block-size}, {@code --window}, {@code --budget}).
 */
public final class SweepFlags {
    @Option(names = "--strategies", split = ",", paramLabel = "S,...",
            description = "Strategies to compare (default: contiguous,paged,ring). Variants: contiguous:max "
                    + "(reserve n_positions), paged:noprefix (no prefix sharing).")
    List<String> strategies;

    @Option(names = "--batching", split = ",", paramLabel = "B,...",
            description = "continuous and/or static (padded groups run until their longest request ends).")
    List<String> batching;

    @Option(names = "--batch-limits", split = ",", paramLabel = "N,...", description = "Values of --max-seqs to sweep.")
    List<Integer> batchLimits;

    @Option(names = "--kv-budgets", split = ",", paramLabel = "T,...",
            description = "KV budgets in tokens to sweep (0 = max-seqs x n_positions).")
    List<Integer> kvBudgets;

    @Option(names = "--block-sizes", split = ",", paramLabel = "N,...", description = "paged: block sizes to sweep.")
    List<Integer> blockSizes;

    @Option(names = "--windows", split = ",", paramLabel = "N,...", description = "ring: windows to sweep.")
    List<Integer> windows;

    @Option(names = "--budgets", split = ",", paramLabel = "T,...",
            description = "Eviction policies: budgets (tokens per sequence and layer; 0 = never evict) to sweep.")
    List<Integer> budgets;

    @Option(names = "--rates", split = ",", paramLabel = "R,...",
            description = "Request rates in requests/s (Poisson arrivals), or inf for all at once (default: inf).")
    List<String> rates;

    @Option(names = "--repeats", defaultValue = "1", paramLabel = "N",
            description = "Rounds over all sweep points; each reports its median round (default: ${DEFAULT-VALUE}).")
    int repeats;

    /** Whether any list flag was given. */
    boolean any() {
        return strategies != null || batching != null || batchLimits != null || kvBudgets != null
                || blockSizes != null || windows != null || budgets != null || rates != null;
    }
}
