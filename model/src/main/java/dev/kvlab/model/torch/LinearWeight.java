package dev.kvlab.model.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One linear layer's weight W ({@code y = x W + b}, {@code in} inputs, {@code out} outputs), stored one way:
 * <ul>
 *   <li>{@link Plain}: HF Conv1D layout {@code [in, out]} as a torch tensor (CUDA, bf16/fp16, or packing off);</li>
 *   <li>{@link Panels}: prepacked once at load for {@link PanelGemm} (CPU float32): {@code [out / NR][in][NR]}
 *       in a Java {@code float[]} (the kernel's vector loads read it in place: JDK 17's Vector API loads from
 *       arrays), out padded with zero columns to a multiple of NR, so a panel's NR columns stream sequentially.
 *       The torch {@code [in, out]} tensor is not kept: a GEMM with more rows than {@link Linear} sends to the
 *       kernel gets a temporary {@code [in, out]} copy for the call ({@link Panels#inOutCopy}).</li>
 * </ul>
 */
sealed interface LinearWeight permits LinearWeight.Plain, LinearWeight.Panels {
    int in();

    int out();

    /** Bytes of the stored weight (padding included). */
    long bytes();

    /** @param w {@code [in, out]}, any strides (a view such as {@code wte.t()} is fine) */
    record Plain(Tensor w) implements LinearWeight {
        @Override
        public int in() {
            return (int) w.size(0);
        }

        @Override
        public int out() {
            return (int) w.size(1);
        }

        @Override
        public long bytes() {
            return w.numel() * w.element_size();
        }
    }

    /**
     * @param packed {@code [panels][in][NR]} flat, on the Java heap; columns past {@code out} are zero
     * @param gemm   the kernel (and its threads) that reads them, owned by the weights' owner
     */
    record Panels(float[] packed, int in, int out, PanelGemm gemm) implements LinearWeight {
        /** Packs {@code w} {@code [in, out]} (float32, CPU, any strides); w is untouched and may be freed after. */
        static Panels pack(Tensor w, PanelGemm gemm) {
            int in = (int) w.size(0);
            int out = (int) w.size(1);
            int n = (out + PanelGemm.NR - 1) / PanelGemm.NR;
            if ((long) n * in * PanelGemm.NR > Integer.MAX_VALUE - 8) {   // also bounds in x out (FloatBuffer indices)
                throw new IllegalArgumentException("weight too large for the panel kernel: " + in + " x " + out);
            }
            float[] packed = new float[n * in * PanelGemm.NR];
            try (PointerScope scope = new PointerScope()) {
                Tensor padded = torch.zeros(new long[] {in, (long) n * PanelGemm.NR}, w.options());    // [in, n NR]
                padded.narrow(1, 0, out).copy_(w);
                padded.view(in, n, PanelGemm.NR).permute(1, 0, 2).contiguous().data_ptr_float().get(packed);
            }
            return new Panels(packed, in, out, gemm);
        }

        /** Panels of NR columns. */
        int panels() {
            return packed.length / (in * PanelGemm.NR);
        }

        @Override
        public long bytes() {
            return (long) packed.length * Float.BYTES;
        }

        /** A fresh contiguous {@code [in, out]} tensor in the caller's PointerScope (one pass), for torch's GEMM. */
        Tensor inOutCopy() {
            Tensor t = torch.empty(new long[] {in, out}, new TensorOptions(torch.ScalarType.Float),
                    new MemoryFormatOptional());                                                        // [in, out]
            gemm.unpack(this, t.data_ptr_float().capacity((long) in * out).asBuffer());
            return t;
        }
    }
}
