package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The stored weights and {@link Linear}'s ops against a plain-Java double product over the checkpoint's own HF
 * Conv1D {@code [in, out]} tensors: every linear layer of a block and the tied lm_head, for both linear paths
 * ({@code torch}: HF's tensors, a GEMV per row up to two rows, GEMM above; {@code panels}: packed weights, the panel
 * kernel up to {@link Linear#MAX_PANEL_ROWS} rows, torch's GEMM on a temporary copy above), at row counts on both
 * sides of each switch. Within 1e-5 of the largest output, the tolerance the conformance suites use for float32
 * logits.
 */
class LinearTest {
    private static final double TOLERANCE = 1e-5;
    private static Gpt2Config config;
    private static TensorSource source;
    private static DeviceWeights torchWeights;
    private static DeviceWeights panelWeights;

    @BeforeAll
    static void load() {
        Device cpu = TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        config = Gpt2Config.preset("tiny");
        source = FormulaWeights.of(config, 0);
        torchWeights = new DeviceWeights(source, cpu, ComputeDType.FLOAT32, LinearPath.TORCH);
        panelWeights = new DeviceWeights(source, cpu, ComputeDType.FLOAT32, LinearPath.PANELS);
    }

    @AfterAll
    static void close() {
        torchWeights.close();
        panelWeights.close();
        source.close();
    }

    @Test
    void eachPathStoresItsLayout() {
        assertEquals(LinearPath.TORCH, torchWeights.linearPath());
        assertEquals(LinearPath.PANELS, panelWeights.linearPath());
        assertTrue(torchWeights.layer(0).fcWeight() instanceof LinearWeight.Plain);
        assertTrue(panelWeights.layer(0).fcWeight() instanceof LinearWeight.Panels);
        // the panels replace the block weights (plus zero columns up to a whole panel); the LM head's panels are a
        // second copy of wte
        long expected = torchWeights.bytes() + roundUp(config.vocabSize()) * config.nEmbd() * Float.BYTES;
        for (int l = 0; l < config.nLayer(); l++) {
            LayerWeights w = torchWeights.layer(l);
            for (LinearWeight lw : new LinearWeight[] {w.qkvWeight(), w.projWeight(), w.fcWeight(), w.fc2Weight()}) {
                expected += (roundUp(lw.out()) - lw.out()) * lw.in() * Float.BYTES;
            }
        }
        assertEquals(expected, panelWeights.bytes());
        assertEquals(expected - torchWeights.bytes() + blockLinearBytes(torchWeights),
                DeviceWeights.panelBytes(config), "the heap the panels need, known before loading");
    }

    private static long blockLinearBytes(DeviceWeights w) {
        long total = 0;
        for (int l = 0; l < config.nLayer(); l++) {
            LayerWeights lw = w.layer(l);
            total += lw.qkvWeight().bytes() + lw.projWeight().bytes() + lw.fcWeight().bytes() + lw.fc2Weight().bytes();
        }
        return total;
    }

    private static long roundUp(int out) {
        return (long) (out + PanelGemm.NR - 1) / PanelGemm.NR * PanelGemm.NR;
    }

    @ParameterizedTest
    @CsvSource({"torch, 1", "torch, 2", "torch, 5", "torch, 33", "panels, 1", "panels, 2", "panels, 5", "panels, 33",
        "panels, 64", "panels, 128", "panels, 129"})
    void blockLinearsEqualTheConv1dProductInDouble(String path, int rows) {
        LayerWeights w = weights(path).layer(1);
        check("h.1.attn.c_attn", w.qkvWeight(), w.qkvBias(), rows);
        check("h.1.attn.c_proj", w.projWeight(), w.projBias(), rows);
        check("h.1.mlp.c_fc", w.fcWeight(), w.fcBias(), rows);
        check("h.1.mlp.c_proj", w.fc2Weight(), w.fc2Bias(), rows);
    }

    @ParameterizedTest
    @CsvSource({"torch, 1", "torch, 2", "torch, 3", "panels, 1", "panels, 3", "panels, 129"})
    void lmHeadEqualsTheTiedEmbeddingProductInDouble(String path, int rows) {
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
        assertClose("lm_head " + path, expected, apply(x, weights(path).lmHead(), null));
    }

    private static DeviceWeights weights(String path) {
        return LinearPath.parse(path) == LinearPath.TORCH ? torchWeights : panelWeights;
    }

    private static void check(String name, LinearWeight stored, Tensor bias, int rows) {
        float[] w = floats(name + ".weight");                // [in, out], as the checkpoint stores it
        float[] b = floats(name + ".bias");                  // [out]
        int out = b.length;
        int in = w.length / out;
        assertArrayEquals(new int[] {in, out}, new int[] {stored.in(), stored.out()}, name + " is [in, out]");
        if (stored instanceof LinearWeight.Plain p) {
            assertTrue(p.w().is_contiguous(), name + " is contiguous");
        }
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
    private static float[][] apply(float[][] x, LinearWeight w, Tensor b) {
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
