package dev.kvlab.model.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PanelGemm} on packed weights against a plain-Java double product: every row count 1..33 (the 8-, 4- and
 * 1-row blocks and their mixes), {@code in} and {@code out} that are not multiples of the vector width or of a
 * panel, with and without bias, on 2 threads; the bound is float32 summation's worst case over each output's own
 * terms ({@code (in + 2) 2^-24 sum |x_i w_i|}, any order), which torch's {@code addmm} on the same data meets too. Rows are exact:
 * a row's result is bitwise the same whatever the row count it ran with.
 */
class PanelGemmTest {
    private static KernelThreads threads;
    private static PanelGemm gemm;

    @BeforeAll
    static void init() {
        TorchRuntime.init(new RuntimeOptions(DeviceKind.CPU, 1, ComputeDType.FLOAT32));
        threads = new KernelThreads(2);
        gemm = new PanelGemm(threads);
    }

    @AfterAll
    static void close() {
        threads.close();
    }

    @ParameterizedTest
    @CsvSource({"1, 1, true", "7, 5, true", "17, 31, false", "64, 33, true", "100, 50, false", "768, 97, true"})
    void everyRowCountEqualsTheDoubleProduct(int in, int out, boolean withBias) {
        Random rnd = new Random(31L * in + out);
        float[] w = gaussian(rnd, in * out);        // [in, out]
        float[] b = withBias ? gaussian(rnd, out) : null;
        for (int rows = 1; rows <= 33; rows++) {
            float[] x = gaussian(rnd, rows * in);   // [rows, in]
            double[][] exact = new double[rows][out];
            double[][] size = new double[rows][out];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < out; j++) {
                    double s = b == null ? 0 : b[j];
                    double a = b == null ? 0 : Math.abs(b[j]);
                    for (int i = 0; i < in; i++) {
                        s += (double) x[r * in + i] * w[i * out + j];
                        a += Math.abs((double) x[r * in + i] * w[i * out + j]);
                    }
                    exact[r][j] = s;
                    size[r][j] = a;
                }
            }
            String what = "in=" + in + " out=" + out + " rows=" + rows + " bias=" + withBias;
            double eps = (in + 2) * 0x1p-24;
            within(what + " panels", exact, size, eps, run(x, rows, w, in, out, b, true));
            within(what + " addmm", exact, size, eps, run(x, rows, w, in, out, b, false));
        }
    }

    @Test
    void moreThreadsThanInputColumnsStageEveryColumnOnce() {
        int in = 10;   // 7 threads over 10 columns: slices of 2, the last ones empty unless the staging drops them
        int out = 5;
        Random rnd = new Random(11);
        float[] w = gaussian(rnd, in * out);
        try (KernelThreads many = new KernelThreads(7)) {
            PanelGemm wide = new PanelGemm(many);
            for (int rows = PanelGemm.STAGE_PARALLEL_ROWS; rows <= PanelGemm.STAGE_PARALLEL_ROWS + 3; rows++) {
                float[] x = gaussian(rnd, rows * in);
                double[][] exact = new double[rows][out];
                double[][] size = new double[rows][out];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < out; j++) {
                        for (int i = 0; i < in; i++) {
                            exact[r][j] += (double) x[r * in + i] * w[i * out + j];
                            size[r][j] += Math.abs((double) x[r * in + i] * w[i * out + j]);
                        }
                    }
                }
                within("7 threads, in=10, rows=" + rows, exact, size, (in + 2) * 0x1p-24,
                        run(x, rows, w, in, out, null, wide));
            }
        }
    }

    @Test
    void aRowsResultDoesNotDependOnTheRowCount() {
        int in = 96;
        int out = 70;
        Random rnd = new Random(5);
        float[] w = gaussian(rnd, in * out);
        float[] b = gaussian(rnd, out);
        float[] x = gaussian(rnd, 33 * in);
        float[] all = run(x, 33, w, in, out, b, true);
        for (int r = 0; r < 33; r++) {
            float[] one = run(java.util.Arrays.copyOfRange(x, r * in, (r + 1) * in), 1, w, in, out, b, true);
            assertArrayEquals(one, java.util.Arrays.copyOfRange(all, r * out, (r + 1) * out), "row " + r);
        }
    }

    @Test
    void packingPadsTheLastPanelAndKeepsNoOtherCopy() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = torch.ones(new long[] {10, PanelGemm.NR + 3}, new TensorOptions(torch.ScalarType.Float));
            LinearWeight.Panels p = LinearWeight.Panels.pack(w, gemm);
            assertEquals(2, p.panels());
            assertEquals(2L * 10 * PanelGemm.NR * Float.BYTES, p.bytes());
            double sum = 0;
            for (float v : p.packed()) {
                sum += v;
            }
            assertEquals(10 * (PanelGemm.NR + 3), sum, 1e-9, "the padding is zeros");
        }
    }

    /** y {@code [rows, out]} through the panels (Linear.panels) or torch's addmm/mm on the unpacked weight. */
    private static float[] run(float[] x, int rows, float[] w, int in, int out, float[] b, boolean panels) {
        return panels ? run(x, rows, w, in, out, b, gemm) : run(x, rows, w, in, out, b, null);
    }

    /** Through {@code g}'s panels, or torch's addmm/mm when {@code g} is null. */
    private static float[] run(float[] x, int rows, float[] w, int in, int out, float[] b, PanelGemm g) {
        try (PointerScope scope = new PointerScope()) {
            Tensor xt = tensor(x, rows, in);
            Tensor wt = tensor(w, in, out);
            Tensor bt = b == null ? null : tensor(b, out);
            Tensor y = g != null ? Linear.panels(xt, LinearWeight.Panels.pack(wt, g), bt)
                    : b == null ? torch.mm(xt, wt) : torch.addmm(bt, xt, wt);
            float[] got = new float[rows * out];
            y.contiguous().data_ptr_float().get(got);
            return got;
        }
    }

    private static void within(String what, double[][] exact, double[][] size, double eps, float[] got) {
        int out = exact[0].length;
        for (int r = 0; r < exact.length; r++) {
            for (int j = 0; j < out; j++) {
                double err = Math.abs(got[r * out + j] - exact[r][j]);
                assertTrue(err <= eps * size[r][j], what + " [" + r + "," + j + "]: " + got[r * out + j]
                        + " vs " + exact[r][j]);
            }
        }
    }

    private static Tensor tensor(float[] v, long... shape) {
        return torch.from_blob(new FloatPointer(v), shape, new TensorOptions(torch.ScalarType.Float)).clone();
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
