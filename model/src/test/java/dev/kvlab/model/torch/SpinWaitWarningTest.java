package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When TorchRuntime warns about libgomp's spin-wait: more than one thread and no OMP_WAIT_POLICY. */
class SpinWaitWarningTest {
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
}
