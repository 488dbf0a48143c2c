package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * TorchRuntime's thread settings: it warns about libgomp's spin-wait for more than one thread and no
 * OMP_WAIT_POLICY; the default is one thread per idle core.
 */
class ThreadSettingsTest {
    @Test
    void warnsForSeveralThreadsWithoutAPolicyAndNamesTheFix() {
        String w = TorchRuntime.spinWaitWarning(null, 2);
        assertNotNull(w);
        assertTrue(w.contains("OMP_WAIT_POLICY=PASSIVE"), w);
        assertNotNull(TorchRuntime.spinWaitWarning(" ", 8));
    }

    @Test
    void silentForOneThreadOrAnyPolicyTheUserChose() {
        assertNull(TorchRuntime.spinWaitWarning(null, 1));
        assertNull(TorchRuntime.spinWaitWarning("PASSIVE", 2));
        assertNull(TorchRuntime.spinWaitWarning("ACTIVE", 2));
    }

    @Test
    void defaultIsOneThreadPerIdleCoreBetweenOneAndEight() {
        assertEquals(2, TorchRuntime.defaultThreads(2, 0.3), "a little background work: both cores");
        assertEquals(1, TorchRuntime.defaultThreads(2, 0.6));
        assertEquals(1, TorchRuntime.defaultThreads(2, 17.0));
        assertEquals(2, TorchRuntime.defaultThreads(2, 0), "idle: every core");
        assertEquals(8, TorchRuntime.defaultThreads(32, 3.5));
        assertEquals(5, TorchRuntime.defaultThreads(8, 3.4));
    }
}
