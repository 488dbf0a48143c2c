package dev.kvlab.bench;

import java.util.List;

/**
 * Everything one {@code kvlab bench} invocation runs: sweeps over the engine, and the three experiments that are
 * not sweeps (each optional, null = skipped). Read from a JSON config file ({@link PlanFile}) or built from flags.
 *
 * @param model       the model of the sweeps (a --model flag overrides it); null = the default model
 * @param sweeps      engine sweeps, run in order
 * @param longGen     with vs without cache as one sequence grows
 * @param quality     quality vs KV memory of every strategy on a trained model ({@link QualityExperiment})
 * @param kvGrowth    KV memory vs sequence length per strategy (cache accounting only, no model)
 */
public record BenchPlan(String model, List<SweepSpec> sweeps, LongGenSpec longGen, QualitySpec quality,
                        KvGrowthSpec kvGrowth) {
    public BenchPlan {
        sweeps = sweeps == null ? List.of() : List.copyOf(sweeps);
    }

    public BenchPlan withModel(String m) {
        return new BenchPlan(m, sweeps, longGen, quality, kvGrowth);
    }

    /** Runs of all sweeps together (for the progress bar). */
    public int numSweepRuns() {
        return sweeps.stream().mapToInt(s -> s.points().size() * s.repeats()).sum();
    }
}
