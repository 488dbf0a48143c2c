package dev.kvlab.model.torch;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Packed linear weights and the panel kernel outside the model, for benchmarks ({@code LinearBench}):
 * {@link #pack} packs an {@code [in, out]} weight as the model does at load, {@link #apply} is the kernel's call at
 * any row count, {@link #applyRouted} the model's ({@link Linear}: the kernel up to its crossover, torch's GEMM on a
 * temporary copy above).
 *
 * <p>Owns the packed weights and the kernel's threads ({@link #close}).
 */
public final class PanelProbe implements AutoCloseable {
    private final KernelThreads threads;
    private final PanelGemm gemm;
    private final List<LinearWeight.Panels> weights = new ArrayList<>();

    /** @param threads the kernel's threads (the model uses one per torch thread) */
    public PanelProbe(int threads) {
        this.threads = new KernelThreads(threads);
        this.gemm = new PanelGemm(this.threads);
    }

    /** Packs {@code w} {@code [in, out]} float32 on the CPU; returns its index for {@link #apply}. */
    public int pack(Tensor w) {
        weights.add(LinearWeight.Panels.pack(w, gemm));
        return weights.size() - 1;
    }

    /** {@code x W + b} through the kernel: x {@code [rows, in]}, b {@code [out]} or null; {@code [rows, out]}. */
    public Tensor apply(int weight, Tensor x, Tensor b) {
        return Linear.panels(x, weights.get(weight), b);
    }

    /** {@code x W + b} as the model computes it on packed weights ({@link Linear#apply}: routed by row count). */
    public Tensor applyRouted(int weight, Tensor x, Tensor b) {
        return Linear.apply(x, weights.get(weight), b);
    }

    @Override
    public void close() {
        weights.clear();
        threads.close();
    }
}
