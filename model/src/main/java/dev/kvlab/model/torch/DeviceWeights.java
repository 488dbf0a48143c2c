package dev.kvlab.model.torch;

import dev.kvlab.model.DType;
import dev.kvlab.model.Gpt2Config;
import dev.kvlab.model.ModelLoadException;
import dev.kvlab.model.TensorInfo;
import dev.kvlab.model.TensorSource;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * All GPT-2 weights as tensors on one device in the compute dtype; the one owner of their native memory.
 * The LM head is tied to {@code wte}. Linear weights keep HF's Conv1D layout {@code [in, out]} (see {@link Linear}).
 */
public final class DeviceWeights implements AutoCloseable {
    private final TensorOwner owner = new TensorOwner();
    private final Gpt2Config config;
    private final Tensor wte;          // [vocab, E]
    private final Tensor wpe;          // [positions, E]
    private final List<LayerWeights> layers;
    private final Tensor lnfWeight;    // [E]
    private final Tensor lnfBias;      // [E]

    /** Copies every tensor of {@code source} to {@code device} as {@code dtype}. */
    public DeviceWeights(TensorSource source, Device device, ComputeDType dtype) {
        this.config = source.config();
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
                    load(p + "attn.c_attn.weight"), load(p + "attn.c_attn.bias"),
                    load(p + "attn.c_proj.weight"), load(p + "attn.c_proj.bias"),
                    load(p + "ln_2.weight"), load(p + "ln_2.bias"),
                    load(p + "mlp.c_fc.weight"), load(p + "mlp.c_fc.bias"),
                    load(p + "mlp.c_proj.weight"), load(p + "mlp.c_proj.bias"));
        }

        /** One tensor: a zero-copy view of the source bytes, copied to the device in the compute dtype. */
        Tensor load(String name) {
            TensorInfo info = source.info(name);
            ByteBuffer bytes = source.bytes(name);
            try (PointerScope scope = new PointerScope()) {
                Tensor view = torch.from_blob(nativeBytes(bytes), info.shape(),
                        new TensorOptions(storedType(info.dtype())));
                Tensor onDevice = view.to(device, dtype.scalarType(), false, true, new MemoryFormatOptional());
                requireFinite(name, onDevice);
                return owner.keep(onDevice);
            }
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
