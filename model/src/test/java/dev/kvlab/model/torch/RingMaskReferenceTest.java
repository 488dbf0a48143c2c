package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.ReferenceGpt2;
import dev.kvlab.model.TensorSource;
import java.util.Arrays;
import java.util.Random;
import org.bytedeco.pytorch.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sliding-window-with-sinks mask on its own: the torch forward pass with a ring view ({@link TeacherForcing}, the
 * pass the ring oracle and the ring-quality experiment use) against the plain-Java double-precision reference, whose
 * window rule is written out from its definition. Every position of sequences longer than the window, with and
 * without sinks, a window of one, and sinks filling all but one slot; one position off in the rule (e.g. a
 * {@code >=} for a {@code >}) moves logits by far more than the tolerance.
 */
class RingMaskReferenceTest {
    static final double TOLERANCE = 1e-4;
    private static Gpt2Model model;
    private static ReferenceGpt2 reference;

    @BeforeAll
    static void load() {
        Device cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        try (TensorSource src = FormulaWeights.of(Gpt2Config.preset("tiny"), 0)) {
            model = new Gpt2Model(src, cpu, ComputeDType.FLOAT32);
            reference = new ReferenceGpt2(src);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest(name = "window={0} sinks={1} length={2}")
    @CsvSource({"8, 2, 30", "8, 0, 20", "1, 0, 6", "6, 5, 16", "16, 4, 40"})
    void windowedForwardEqualsTheReference(int window, int sinks, int length) {
        int[] seq = new Random(31L * window + sinks).ints(length, 0, 50256).toArray();
        float[][] torch = TeacherForcing.window(model, seq, sinks, window);
        double worst = 0;
        for (int p = 0; p < length; p++) {
            double[] ref = reference.logits(Arrays.copyOf(seq, p + 1), window, sinks);
            for (int v = 0; v < ref.length; v++) {
                worst = Math.max(worst, Math.abs(ref[v] - torch[p][v]));
            }
        }
        double w = worst;
        assertTrue(worst <= TOLERANCE, () -> "window " + window + " sinks " + sinks + ": logits differ by " + w);
        double[] full = reference.logits(seq);
        double moved = 0;
        for (int v = 0; v < full.length; v++) {
            moved = Math.max(moved, Math.abs(full[v] - torch[length - 1][v]));
        }
        assertTrue(moved > 100 * TOLERANCE, "the window changes the last position's logits (the test can fail)");
    }
}
