package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;

/** One request of a run: arrival (ms after the first), lengths, TTFT, TPOT, E2EL, preemptions. */
public record RequestRow(String experiment, String label, String id, double arrivalMs, int promptTokens,
                         int outputTokens, double ttftMs, double tpotMs, double e2elMs, int preemptions) {

    /** This row under another label (see {@link ResultRow#withLabel}). */
    RequestRow withLabel(String l) {
        return new RequestRow(experiment, l, id, arrivalMs, promptTokens, outputTokens, ttftMs, tpotMs, e2elMs,
                preemptions);
    }

    /** The rows of every request of {@code r}, in workload order. */
    static List<RequestRow> of(String experiment, RunResult r) {
        List<RequestRow> out = new ArrayList<>();
        long start = r.timings().stream().mapToLong(RequestTiming::arrivalNanos).min().orElse(0);
        for (RequestTiming t : r.timings()) {
            out.add(new RequestRow(experiment, r.config().label(), t.id(), (t.arrivalNanos() - start) / 1e6,
                    t.promptTokens(), t.outputTokens(), t.ttftMs(), t.tpotMs(), t.e2elMs(), t.preemptions()));
        }
        return out;
    }
}
