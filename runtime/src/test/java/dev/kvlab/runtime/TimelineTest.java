package dev.kvlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Metric definitions on a synthetic timeline with exact answers (vllm bench's definitions). */
class TimelineTest {
    @Test
    void metricsOfAKnownTimeline() {
        Timeline t = new Timeline(1_000_000);          // arrives at 1 ms
        t.token(11_000_000);                           // first token at 11 ms
        t.token(14_000_000);
        t.token(20_000_000);
        t.token(21_000_000);
        assertEquals(10.0, t.ttftMs(), 1e-12);
        assertArrayEquals(new double[] {3.0, 6.0, 1.0}, t.itlMs(), 1e-12);
        assertEquals(10.0 / 3, t.tpotMs(), 1e-12);       // (21 - 11) / (4 - 1)
        assertEquals(20.0, t.e2elMs(), 1e-12);
        assertEquals(10.0, t.decodeMs(), 1e-12);
    }

    @Test
    void undefinedMetricsAreNaNNotZero() {
        Timeline t = new Timeline(0);
        assertTrue(Double.isNaN(t.ttftMs()));
        t.token(5_000_000);
        assertEquals(5.0, t.ttftMs(), 1e-12);
        assertTrue(Double.isNaN(t.tpotMs()), "TPOT needs two tokens");
        assertEquals(0, t.itlMs().length);
    }

    @Test
    void timeCannotGoBackwards() {
        Timeline t = new Timeline(10);
        assertThrows(IllegalArgumentException.class, () -> t.token(5));
        t.token(20);
        assertThrows(IllegalArgumentException.class, () -> t.token(19));
    }
}
