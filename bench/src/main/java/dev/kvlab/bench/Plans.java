package dev.kvlab.bench;

import java.util.List;

/** Selecting parts of a {@link BenchPlan}. */
final class Plans {
    static final List<String> SPECIAL = List.of("kv-growth", "quality", "long-gen");

    private Plans() {
    }

    /** The plan reduced to the named parts; {@code null} keeps everything. */
    static BenchPlan only(BenchPlan plan, List<String> names) {
        if (names == null) {
            return plan;
        }
        List<String> known = new java.util.ArrayList<>(plan.sweeps().stream().map(SweepSpec::name).toList());
        known.addAll(SPECIAL);
        for (String n : names) {
            if (!known.contains(n)) {
                throw new IllegalArgumentException("--only: no part named '" + n + "'; this plan has: "
                        + String.join(", ", known));
            }
        }
        List<SweepSpec> sweeps = plan.sweeps().stream().filter(s -> names.contains(s.name())).toList();
        return new BenchPlan(plan.model(), sweeps, names.contains("long-gen") ? plan.longGen() : null,
                names.contains("quality") ? plan.quality() : null,
                names.contains("kv-growth") ? plan.kvGrowth() : null);
    }
}
