package dev.kvlab.cache;

import static dev.kvlab.cache.PolicyDriver.viewPositions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-layer held sets: mix keeps the lower layers whole and windows the upper ones; views differ per layer. */
class LayerMixPolicyTest {

    static final CacheSpec SPEC = new CacheSpec(4, 1, 4, 4, 32, 64);
    static final CacheOptions OPTIONS = CacheOptions.DEFAULTS.withBlockSize(4).withWindow(8, 1)
            .withEviction(EvictionOptions.DEFAULTS.withBudget(3));

    @Test
    void lowerLayersWholeUpperLayersSinksPlusRecent() {
        PolicyDriver d = new PolicyDriver("mix", SPEC, OPTIONS, 5, 20);
        Allocation.Granted g = d.chunk(5);
        AttentionView.Held first = (AttentionView.Held) g.view();
        assertSame(first.positions()[0], first.positions()[3], "layers holding the same share one array");
        d.observe(new float[0][][], new float[0][][]);
        d.assertHeld(0, 0, 1, 2, 3, 4);
        d.assertHeld(1, 0, 1, 2, 3, 4);
        d.assertHeld(2, 0, 3, 4);   // sink 0, then the newest 2
        d.assertHeld(3, 0, 3, 4);
        g = d.chunk(6);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, viewPositions(g, 1));
        assertArrayEquals(new int[] {0, 3, 4, 5}, viewPositions(g, 2));
        AttentionView.Held v = (AttentionView.Held) g.view();
        assertNotSame(v.positions()[0], v.positions()[2]);
        assertEquals(ceilAverage(6 + 6 + 4 + 4), d.cache.memory().liveTokens(), "tokens: per-layer average");
        d.observe(new float[0][][], new float[0][][]);
        d.assertHeld(2, 0, 4, 5);
    }

    private static int ceilAverage(int sum) {
        return (sum + 3) / 4;
    }

    @Test
    void layersMustAgreeOnWhichQueriesVote() {
        EvictionOptions e = EvictionOptions.DEFAULTS.withBudget(3);
        LayerMixPolicy mix = new LayerMixPolicy(List.of(new H2oPolicy(e), new TovaPolicy(e)));
        assertEquals(StatsRequest.attention(4), mix.statsFor(new StepContext(4, 5, 2)), "decode: they agree");
        assertThrows(IllegalStateException.class, () -> mix.statsFor(new StepContext(0, 5, 5)));
    }
}
