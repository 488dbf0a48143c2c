package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link BusyCores}: parsing /proc text and the arithmetic of "busy minus mine", on hand-made readings. */
class BusyCoresTest {
    private static final String SELF = "4242 (java (kvlab) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 %d %d 0 0 20 0 30 0";

    private static String stat(long user, long system, long idle, long iowait) {
        return "cpu  " + user + " 0 " + system + " " + idle + " " + iowait + " 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
    }

    @Test
    void parsesTheCpuLineAndThisProcessesTimesPastACommandNameWithSpacesAndParentheses() {
        BusyCores.Sample s = BusyCores.Sample.parse(stat(100, 50, 800, 50), String.format(SELF, 70, 30));
        assertEquals(1000, s.total());
        assertEquals(850, s.idle());
        assertEquals(100, s.self());
        assertThrows(IllegalArgumentException.class, () -> BusyCores.Sample.parse("intr 1 2 3\n", SELF));
    }

    @Test
    void othersBusyIsTheMachinesBusyTimeMinusThisProcesses() {
        // 2 cores, 200 ticks elapsed in all: 100 idle, so one core busy; this process used 40 ticks = 0.4 core
        BusyCores.Sample a = new BusyCores.Sample(1000, 500, 10);
        BusyCores.Sample b = new BusyCores.Sample(1200, 600, 50);
        assertEquals(0.6, a.othersBusy(b, 2), 1e-12);
        // all of the busy time was ours: nobody else is busy
        assertEquals(0.0, a.othersBusy(new BusyCores.Sample(1200, 600, 110), 2), 1e-12);
        // no time elapsed (a clock that did not move): nothing known, nothing busy
        assertEquals(0.0, a.othersBusy(a, 2), 1e-12);
    }

    @Test
    void readsThisMachine() {
        double busy = BusyCores.now();
        assertTrue(busy >= 0 && busy <= Runtime.getRuntime().availableProcessors() + 0.5, "busy " + busy);
    }
}
