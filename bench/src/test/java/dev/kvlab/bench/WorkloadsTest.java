package dev.kvlab.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workload generators are seeded, reproducible, inside the documented bounds and the context. */
class WorkloadsTest {
    private static final int EOS = 50256;

    @Test
    void sameSeedSameRequestsOtherSeedOtherRequests() {
        WorkloadSpec w = new WorkloadSpec("mixed", 50, 64, 48, 0, 7);
        List<RequestSpec> a = Workloads.build(w, EOS, 1024);
        List<RequestSpec> b = Workloads.build(w, EOS, 1024);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).promptIds(), b.get(i).promptIds());
            assertEquals(a.get(i).maxNewTokens(), b.get(i).maxNewTokens());
        }
        List<RequestSpec> c = Workloads.build(new WorkloadSpec("mixed", 50, 64, 48, 0, 8), EOS, 1024);
        assertNotEquals(lengths(a), lengths(c));
    }

    @Test
    void theFirstRequestsOfSeedZeroNeverChange() {
        // pins the generator: a change here changes every published number
        List<RequestSpec> r = Workloads.build(new WorkloadSpec("mixed", 3, 32, 32, 0, 0), EOS, 1024);
        assertEquals("[61/16, 20/28, 21/9]", lengths(r));
    }

    @Test
    void mixedLengthsStayInTheClipRangeAndSpread() {
        List<RequestSpec> r = Workloads.build(new WorkloadSpec("mixed", 400, 64, 48, 0, 1), EOS, 1024);
        int[] p = r.stream().mapToInt(RequestSpec::promptTokens).toArray();
        int[] o = r.stream().mapToInt(RequestSpec::maxNewTokens).toArray();
        assertTrue(Arrays.stream(p).allMatch(n -> n >= 8 && n <= 384));
        assertTrue(Arrays.stream(o).allMatch(n -> n >= 6 && n <= 288));
        double median = Percentiles.of(Arrays.stream(p).asDoubleStream().toArray(), 50);
        assertTrue(Math.abs(median - 64) <= 8, "median prompt " + median);
        assertTrue(Arrays.stream(o).max().orElseThrow() > 3 * 48, "a long tail");
        assertTrue(r.stream().allMatch(x -> Arrays.stream(x.promptIds()).allMatch(id -> id >= 0 && id < EOS)));
    }

    @Test
    void sharedPrefixRequestsStartWithTheSameSystemPrompt() {
        List<RequestSpec> r = Workloads.build(new WorkloadSpec("shared-prefix", 4, 10, 5, 100, 3), EOS, 1024);
        int[] first = Arrays.copyOf(r.get(0).promptIds(), 100);
        for (RequestSpec x : r) {
            assertEquals(110, x.promptTokens());
            assertEquals(5, x.maxNewTokens());
            assertArrayEquals(first, Arrays.copyOf(x.promptIds(), 100));
        }
        assertNotEquals(Arrays.toString(r.get(0).promptIds()), Arrays.toString(r.get(1).promptIds()));
    }

    @Test
    void requestsFitTheContext() {
        List<RequestSpec> r = Workloads.build(new WorkloadSpec("fixed", 2, 100, 200, 0, 0), EOS, 256);
        assertEquals(156, r.get(0).maxNewTokens());
        assertThrows(IllegalArgumentException.class,
                () -> Workloads.build(new WorkloadSpec("fixed", 1, 300, 1, 0, 0), EOS, 256));
        assertThrows(IllegalArgumentException.class, () -> new WorkloadSpec("zipf", 1, 1, 1, 0, 0));
    }

    @Test
    void poissonArrivalsAreSeededAndHaveTheRate() {
        double[] a = Arrivals.parse("4").offsetsMs(4000, 11);
        assertArrayEquals(a, Arrivals.parse("4").offsetsMs(4000, 11));
        assertEquals(0.0, a[0]);
        for (int i = 1; i < a.length; i++) {
            assertTrue(a[i] >= a[i - 1]);
        }
        double rate = (a.length - 1) / (a[a.length - 1] / 1000.0);
        assertEquals(4.0, rate, 0.25);
        assertArrayEquals(new double[3], Arrivals.parse("inf").offsetsMs(3, 1));
        assertThrows(IllegalArgumentException.class, () -> Arrivals.parse("-1"));
        assertThrows(IllegalArgumentException.class, () -> Arrivals.parse("fast"));
    }

    private static String lengths(List<RequestSpec> r) {
        return r.stream().map(x -> x.promptTokens() + "/" + x.maxNewTokens()).toList().toString();
    }
}
