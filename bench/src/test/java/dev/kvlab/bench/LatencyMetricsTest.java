package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Metric computation on synthetic timelines, against values worked out by hand (numpy's percentile definition). */
class LatencyMetricsTest {
    private static final long MS = 1_000_000L;
    private static final double EPS = 1e-9;

    @Test
    void percentilesInterpolateLinearlyAsNumpyDoes() {
        double[] v = {4, 1, 3, 2};                       // np.percentile([1,2,3,4], q)
        assertEquals(1.0, Percentiles.of(v, 0), EPS);
        assertEquals(1.75, Percentiles.of(v, 25), EPS);
        assertEquals(2.5, Percentiles.of(v, 50), EPS);
        assertEquals(4.0, Percentiles.of(v, 100), EPS);
        double[] ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(9.1, Percentiles.of(ten, 90), EPS);   // rank 8.1
        assertEquals(9.91, Percentiles.of(ten, 99), EPS);  // rank 8.91
        assertEquals(7.0, Percentiles.of(new double[] {7}, 99), EPS);
        assertTrue(Double.isNaN(Percentiles.of(new double[0], 50)));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(v, 101));
    }

    @Test
    void vllmMetricsOfTwoRequestsAndOneFailure() {
        RequestTiming a = new RequestTiming("a", 10, 0, new long[] {100 * MS, 150 * MS, 250 * MS}, 0);
        RequestTiming b = new RequestTiming("b", 20, 50 * MS, new long[] {200 * MS, 260 * MS}, 1);
        RequestTiming failed = new RequestTiming("c", 5, 0, new long[0], 0);
        LatencyMetrics m = LatencyMetrics.of(List.of(a, b, failed), 0);

        assertEquals(2, m.completed());
        assertEquals(1, m.failed());
        assertEquals(30, m.totalInputTokens());
        assertEquals(5, m.totalOutputTokens());
        assertEquals(0.26, m.durationS(), EPS);                     // start to the last token of any request
        assertEquals(2 / 0.26, m.requestThroughput(), EPS);
        assertEquals(5 / 0.26, m.outputThroughput(), EPS);
        assertEquals(35 / 0.26, m.totalTokenThroughput(), EPS);

        assertStat(m.ttft(), 2, 125, 125, 25, 145, 149.5);          // [100, 150]
        assertStat(m.tpot(), 2, 67.5, 67.5, 7.5, 73.5, 74.85);      // [(250-100)/2, (260-200)/1]
        assertStat(m.itl(), 3, 70, 60, Math.sqrt(1400.0 / 3), 92, 99.2);   // pooled gaps [50, 100, 60]
        assertStat(m.e2el(), 2, 230, 230, 20, 246, 249.6);          // [250, 260-50]
    }

    @Test
    void aSingleTokenRequestHasTtftAndE2elButNoTpotOrItl() {
        RequestTiming one = new RequestTiming("x", 3, 10 * MS, new long[] {40 * MS}, 0);
        LatencyMetrics m = LatencyMetrics.of(List.of(one), 0);
        assertEquals(30, m.ttft().mean(), EPS);
        assertEquals(30, m.e2el().mean(), EPS);
        assertEquals(0, m.tpot().count());
        assertTrue(Double.isNaN(m.itl().median()));
        assertEquals(1 / 0.04, m.requestThroughput(), EPS);
    }

    @Test
    void timelinesThatGoBackwardsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RequestTiming("r", 1, 10, new long[] {5}, 0));
        assertThrows(IllegalArgumentException.class, () -> new RequestTiming("r", 1, 0, new long[] {5, 4}, 0));
    }

    private static void assertStat(Stat s, int n, double mean, double median, double std, double p90, double p99) {
        assertEquals(n, s.count());
        assertEquals(mean, s.mean(), EPS, "mean");
        assertEquals(median, s.median(), EPS, "median");
        assertEquals(std, s.std(), EPS, "std");
        assertEquals(p90, s.p90(), EPS, "p90");
        assertEquals(p99, s.p99(), EPS, "p99");
    }
}
