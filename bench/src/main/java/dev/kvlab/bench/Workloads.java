package dev.kvlab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds the requests of a {@link WorkloadSpec}. Deterministic: the same spec (seed included) and vocabulary give
 * the same token ids and lengths on every machine ({@link Random} is specified bit for bit). Token ids are uniform
 * in {@code [0, eos)}, so no prompt contains EOS. Each request fits the context: prompt + output <= positions.
 */
public final class Workloads {
    private Workloads() {
    }

    /** The requests, all arriving at 0; {@link #withArrivals} spreads them. */
    public static List<RequestSpec> build(WorkloadSpec w, int eosTokenId, int positions) {
        Random rng = new Random(w.seed());
        int[] prefix = w.kind().equals(WorkloadSpec.SHARED_PREFIX) ? tokens(rng, w.prefixTokens(), eosTokenId) : new int[0];
        LengthDist prompt = w.kind().equals(WorkloadSpec.MIXED) ? LengthDist.sharegptLike(w.promptTokens())
                : LengthDist.fixed(w.promptTokens());
        LengthDist output = w.kind().equals(WorkloadSpec.MIXED) ? LengthDist.sharegptLike(w.outputTokens())
                : LengthDist.fixed(w.outputTokens());
        List<RequestSpec> out = new ArrayList<>(w.requests());
        for (int i = 0; i < w.requests(); i++) {
            int[] own = tokens(rng, prompt.sample(rng), eosTokenId);
            int[] ids = concat(prefix, own);
            if (ids.length >= positions) {
                throw new IllegalArgumentException("workload prompt of " + ids.length + " tokens does not fit the "
                        + positions + "-position context");
            }
            int n = Math.min(output.sample(rng), positions - ids.length);
            out.add(new RequestSpec(String.format("r%04d", i), ids, n, 0));
        }
        return out;
    }

    /** The same requests with arrival offsets from {@code arrivals}. */
    public static List<RequestSpec> withArrivals(List<RequestSpec> requests, Arrivals arrivals, long seed) {
        double[] t = arrivals.offsetsMs(requests.size(), seed);
        List<RequestSpec> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            out.add(requests.get(i).withArrivalMs(t[i]));
        }
        return out;
    }

    static int[] tokens(Random rng, int n, int eos) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rng.nextInt(eos);
        }
        return ids;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
