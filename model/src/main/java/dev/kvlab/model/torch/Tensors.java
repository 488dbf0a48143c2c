package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Small helpers that build step inputs on the model's device. All results belong to the caller's PointerScope. */
final class Tensors {
    private Tensors() {
    }

    /** An int64 tensor {@code [values.length]} on {@code device} (one host-to-device copy). */
    static Tensor longs(int[] values, Device device) {
        long[] l = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            l[i] = values[i];
        }
        return Tensor.create(l, l.length).to(device, ScalarType.Long);
    }

    /** int64 {@code [start, end)} on {@code device}, computed there. */
    static Tensor range(long start, long end, Device device) {
        TensorOptions o = new TensorOptions(ScalarType.Long).device(new DeviceOptional(device));
        return torch.arange(new Scalar(start), new Scalar(end), o);
    }
}
