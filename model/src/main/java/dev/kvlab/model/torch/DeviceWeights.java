package dev.kvlab.model.torch;

import dev.kvlab.model.DType;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.ModelLoadException;
import dev.kvlab.model.TensorInfo;
import dev.kvlab.model.TensorSource;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * All GPT-2 weights on one device in the compute dtype; the one owner of their memory (native tensors, and the
 * packed panels on the Java heap, freed with this object) and of the CPU kernels' threads ({@link KernelThreads},
 * shared with the model's decode attention). The LM head is tied to {@code wte}. Linear weights are {@code [in, out]} (HF Conv1D) as
 * {@link LinearWeight}s: with {@link LinearPath#PANELS} prepacked once here for {@link PanelGemm} and the torch
 * tensor not kept; the LM head's panels are a second copy of {@code wte} (the embedding lookup reads {@code wte}
 * by rows). Otherwise HF's tensors as they are, the LM head a view {@code wte.t()}.
 */
public final class DeviceWeights implements AutoCloseable {
    private final TensorOwner owner = new TensorOwner();
    private final Gpt2Config config;
    private final LinearPath linearPath;   // never AUTO
    private final KernelThreads threads;   // null unless on the CPU
    private final PanelGemm gemm;          // null unless linearPath == PANELS
    private final Tensor wte;              // [vocab, E]
    private final Tensor wpe;              // [positions, E]
    private final List<LayerWeights> layers;
    private final Tensor lnfWeight;        // [E]
    private final Tensor lnfBias;          // [E]
    private final LinearWeight lmHead;     // [E, vocab]: wte.t(), or its panels

    /** Copies every tensor of {@code source} to {@code device} as {@code dtype}; linear path AUTO. */
    public DeviceWeights(TensorSource source, Device device, ComputeDType dtype) {
        this(source, device, dtype, LinearPath.AUTO);
    }

    /** Copies every tensor of {@code source} to {@code device} as {@code dtype}, linears stored for {@code linear}. */
    public DeviceWeights(TensorSource source, Device device, ComputeDType dtype, LinearPath linear) {
        this.config = source.config();
        this.linearPath = resolve(linear, device, dtype, () -> panelBytes(config));
        this.threads = device.is_cpu() ? new KernelThreads(Math.max(1, torch.get_num_threads())) : null;
        this.gemm = linearPath == LinearPath.PANELS ? new PanelGemm(threads) : null;
        try {   // a weight that fails to load (corrupt, NaN) frees what was loaded and the threads
            Loader loader = new Loader(source, device, dtype);
            this.wte = loader.load("wte.weight");
            this.wpe = loader.load("wpe.weight");
            List<LayerWeights> ls = new ArrayList<>();
            for (int i = 0; i < config.nLayer(); i++) {
                ls.add(loader.layer(i));
            }
            this.layers = List.copyOf(ls);
            this.lnfWeight = loader.load("ln_f.weight");
            this.lnfBias = loader.load("ln_f.bias");
            this.lmHead = gemm == null ? new LinearWeight.Plain(owner.keep(wte.t())) : loader.linear(wte.t());
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** The linear path in use (never AUTO). */
    public LinearPath linearPath() {
        return linearPath;
    }

    /** Bytes of every weight as stored, panel padding and the LM head's panels (a second copy of wte) included. */
    public long bytes() {
        long total = (lmHead instanceof LinearWeight.Panels ? lmHead.bytes() : 0) + bytes(wte) + bytes(wpe)
                + bytes(lnfWeight) + bytes(lnfBias);
        for (LayerWeights w : layers) {
            total += bytes(w.ln1Weight()) + bytes(w.ln1Bias()) + bytes(w.ln2Weight()) + bytes(w.ln2Bias())
                    + w.qkvWeight().bytes() + bytes(w.qkvBias()) + w.projWeight().bytes() + bytes(w.projBias())
                    + w.fcWeight().bytes() + bytes(w.fcBias()) + w.fc2Weight().bytes() + bytes(w.fc2Bias());
        }
        return total;
    }

    private static long bytes(Tensor t) {
        return t.numel() * t.element_size();
    }

    /**
     * PANELS where asked or (AUTO) where the kernel runs and the Java heap has room for the panels (they live there;
     * a JVM whose -Xmx is too small gets TORCH, with one line saying so).
     */
    private static LinearPath resolve(LinearPath asked, Device device, ComputeDType dtype, LongSupplier panelBytes) {
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        boolean kernelRuns = device.is_cpu() && dtype == ComputeDType.FLOAT32 && vector;
        if (asked == LinearPath.PANELS && !kernelRuns) {
            throw new IllegalArgumentException("the panel kernel runs on the CPU in float32 with --add-modules "
                    + "jdk.incubator.vector; here: device " + device.str().getString() + ", " + dtype
                    + (vector ? "" : ", module not enabled"));
        }
        if (asked != LinearPath.AUTO || !kernelRuns) {
            return asked == LinearPath.AUTO ? LinearPath.TORCH : asked;
        }
        Runtime rt = Runtime.getRuntime();
        long room = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long bytes = panelBytes.getAsLong();   // only here: it reads PanelGemm, which needs the vector module
        if (bytes > room * 9 / 10) {
            System.err.printf("kvlab: warning: the packed linear weights need %d MiB of Java heap and %d MiB are free;"
                    + " using torch's GEMM on unpacked weights (slower batched decode). Raise -Xmx to pack them.%n",
                    bytes >> 20, room >> 20);
            return LinearPath.TORCH;
        }
        return LinearPath.PANELS;
    }

    /** Heap bytes the panels of every block linear and the LM head take (padding included). */
    static long panelBytes(Gpt2Config c) {
        long e = c.nEmbd();
        long f = c.nInner();
        long perLayer = e * padded(3 * e) + e * padded(e) + e * padded(f) + f * padded(e);
        return Float.BYTES * (c.nLayer() * perLayer + e * padded(c.vocabSize()));
    }

    private static long padded(long out) {
        return (out + PanelGemm.NR - 1) / PanelGemm.NR * PanelGemm.NR;
    }

    /** The CPU kernels' threads (null off the CPU), owned here, lent to the model's {@link DecodeAttention}. */
    KernelThreads kernelThreads() {
        return threads;
    }

    /** The tied LM head, {@code [E, vocab]}. */
    LinearWeight lmHead() {
        return lmHead;
    }

    public Gpt2Config config() {
        return config;
    }

    Tensor wte() {
        return wte;
    }

    Tensor wpe() {
        return wpe;
    }

    LayerWeights layer(int i) {
        return layers.get(i);
    }

    Tensor lnfWeight() {
        return lnfWeight;
    }

    Tensor lnfBias() {
        return lnfBias;
    }

    @Override
    public void close() {
        owner.close();
        if (threads != null) {
            threads.close();
        }
    }

    /** Reads tensors from the source and keeps them in this object's owner. */
    private final class Loader {
        private final TensorSource source;
        private final Device device;
        private final ComputeDType dtype;

        Loader(TensorSource source, Device device, ComputeDType dtype) {
            this.source = source;
            this.device = device;
            this.dtype = dtype;
        }

        LayerWeights layer(int i) {
            String p = "h." + i + ".";
            return new LayerWeights(load(p + "ln_1.weight"), load(p + "ln_1.bias"),
                    linear(p + "attn.c_attn.weight"), load(p + "attn.c_attn.bias"),
                    linear(p + "attn.c_proj.weight"), load(p + "attn.c_proj.bias"),
                    load(p + "ln_2.weight"), load(p + "ln_2.bias"),
                    linear(p + "mlp.c_fc.weight"), load(p + "mlp.c_fc.bias"),
                    linear(p + "mlp.c_proj.weight"), load(p + "mlp.c_proj.bias"));
        }

        /** One tensor: a zero-copy view of the source bytes, copied to the device in the compute dtype. */
        Tensor load(String name) {
            try (PointerScope scope = new PointerScope()) {
                return owner.keep(onDevice(name));
            }
        }

        /** A linear weight {@code [in, out]}: packed (only the panels kept), or the tensor as loaded. */
        LinearWeight linear(String name) {
            if (gemm == null) {
                return new LinearWeight.Plain(load(name));
            }
            try (PointerScope scope = new PointerScope()) {
                return linear(onDevice(name));
            }
        }

        /** {@code w} {@code [in, out]} packed (w itself not kept), or w as it is (already kept). */
        LinearWeight linear(Tensor w) {
            if (gemm == null) {
                return new LinearWeight.Plain(w);
            }
            return LinearWeight.Panels.pack(w, gemm);
        }

        /** Inside the caller's scope: the source bytes as a device tensor in the compute dtype, checked finite. */
        private Tensor onDevice(String name) {
            TensorInfo info = source.info(name);
            ByteBuffer bytes = source.bytes(name);
            Tensor view = torch.from_blob(nativeBytes(bytes), info.shape(),
                    new TensorOptions(storedType(info.dtype())));
            Tensor onDevice = view.to(device, dtype.scalarType(), false, true, new MemoryFormatOptional());
            requireFinite(name, onDevice);
            return onDevice;
        }
    }

    /**
     * Refuses a weight with a NaN or infinite value (stored so, or past the compute dtype's range after conversion):
     * it would turn every logit into NaN and greedy decoding into token 0 (issue 9 item 4). One reduction per tensor
     * at load; the first bad tensor is named.
     */
    private static void requireFinite(String name, Tensor t) {
        if (t.is_meta()) {
            return;   // no values to check: the meta device (DevicePlacementTest) holds shapes only
        }
        long bad = torch.isfinite(t).logical_not().sum().item_long();
        if (bad > 0) {
            throw new ModelLoadException("weight " + name + " has " + bad + " non-finite value" + (bad == 1 ? "" : "s")
                    + " (NaN or Inf) in the compute dtype; the checkpoint is corrupt or out of range");
        }
    }

    /** The bytes as native memory: zero-copy for direct (memory-mapped) buffers, one copy for heap buffers. */
    private static BytePointer nativeBytes(ByteBuffer bytes) {
        if (bytes.isDirect()) {
            return new BytePointer(bytes);
        }
        ByteBuffer b = bytes.duplicate();
        BytePointer p = new BytePointer(b.remaining());
        byte[] chunk = new byte[1 << 20];
        long at = 0;
        while (b.hasRemaining()) {
            int n = Math.min(chunk.length, b.remaining());
            b.get(chunk, 0, n);
            p.position(at).put(chunk, 0, n);
            at += n;
        }
        return p.position(0);
    }

    private static ScalarType storedType(DType d) {
        return switch (d) {
            case F32 -> ScalarType.Float;
            case F16 -> ScalarType.Half;
            case BF16 -> ScalarType.BFloat16;
        };
    }
}
