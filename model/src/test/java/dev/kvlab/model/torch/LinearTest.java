package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlab.model.FormulaWeights;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.TensorSource;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The stored weight layout and {@link Linear}'s ops (a GEMV per row up to two rows, GEMM above) against a
 * plain-Java double product over the checkpoint's own HF Conv1D {@code [in, out]} tensors: every linear layer of a
 * block and the tied lm_head (a transposed view of {@code wte}), at row counts on both sides of the switch. Within 1e-5 of the largest
 * output, the tolerance the conformance suites use for float32 logits.
 */
class LinearTest {
    private static final double TOLERANCE = 1e-5;
    private static Gpt2Config config;
    private static TensorSource source;
    private static DeviceWeights weights;

    @BeforeAll
    static void load() {
        Device cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        config = Gpt2Config.preset("tiny");
        source = FormulaWeights.of(config, 0);
        weights = new DeviceWeights(source, cpu, ComputeDType.FLOAT32);
    }

    @AfterAll
    static void close() {
        weights.close();
        source.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 33})
    void blockLinearsEqualTheConv1dProductInDouble(int rows) {
        LayerWeights w = weights.layer(1);
        check("h.1.attn.c_attn", w.qkvWeight(), w.qkvBias(), rows);
        check("h.1.attn.c_proj", w.projWeight(), w.projBias(), rows);
        check("h.1.mlp.c_fc", w.fcWeight(), w.fcBias(), rows);
        check("h.1.mlp.c_proj", w.fc2Weight(), w.fc2Bias(), rows);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void lmHeadEqualsTheTiedEmbeddingProductInDouble(int rows) {
        int e = config.nEmbd();
        float[] wte = floats("wte.weight");                  // [vocab, E]
        int vocab = wte.length / e;
        float[][] x = randomRows(rows, e, 7);
        double[][] expected = new double[rows][vocab];
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < vocab; v++) {
                double s = 0;
                for (int k = 0; k < e; k++) {
                    s += (double) x[r][k] * wte[v * e + k];
                }
                expected[r][v] = s;
            }
        }
        assertClose("lm_head", expected, apply(x, weights.wte().t(), null));
    }

    private static void check(String name, Tensor stored, Tensor bias, int rows) {
        float[] w = floats(name + ".weight");                // [in, out], as the checkpoint stores it
        float[] b = floats(name + ".bias");                  // [out]
        int out = b.length;
        int in = w.length / out;
        assertArrayEquals(new long[] {in, out}, stored.shape(), name + " is stored [in, out]");
        assertTrue(stored.is_contiguous(), name + " is contiguous");
        float[][] x = randomRows(rows, in, name.hashCode());
        double[][] expected = new double[rows][out];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < out; j++) {
                double s = b[j];
                for (int k = 0; k < in; k++) {
                    s += (double) x[r][k] * w[k * out + j];
                }
                expected[r][j] = s;
            }
        }
        assertClose(name + " rows=" + rows, expected, apply(x, stored, bias));
    }

    /** Linear.apply on x, read back as float[rows][out]. */
    private static float[][] apply(float[][] x, Tensor w, Tensor b) {
        int rows = x.length;
        int in = x[0].length;
        float[] flat = new float[rows * in];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x[r], 0, flat, r * in, in);
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor xt = torch.from_blob(new FloatPointer(flat), new long[] {rows, in},
                    new TensorOptions(torch.ScalarType.Float)).clone();
            Tensor y = Linear.apply(xt, w, b).contiguous();
            int out = (int) y.size(1);
            float[] all = new float[rows * out];
            y.data_ptr_float().get(all);
            float[][] res = new float[rows][out];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(all, r * out, res[r], 0, out);
            }
            return res;
        }
    }

    private static void assertClose(String what, double[][] expected, float[][] got) {
        double scale = 0;
        double worst = 0;
        for (int r = 0; r < expected.length; r++) {
            for (int j = 0; j < expected[r].length; j++) {
                scale = Math.max(scale, Math.abs(expected[r][j]));
                worst = Math.max(worst, Math.abs(expected[r][j] - got[r][j]));
            }
        }
        double relative = worst / scale;
        assertTrue(scale > 0 && relative <= TOLERANCE, what + ": max difference " + relative + " of the largest output");
    }

    private static float[][] randomRows(int rows, int n, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[rows][n];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < n; k++) {
                x[r][k] = (float) rnd.nextGaussian();
            }
        }
        return x;
    }

    private static float[] floats(String name) {
        return source.info(name).dtype().toFloats(source.bytes(name));
    }
}
