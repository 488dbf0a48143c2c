package dev.kvlab.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor's name, element type and shape (row-major). Immutable: the shape is copied in and out.
 *
 * <p>Invariant: every dimension is {@code >= 0}, and {@link #byteSize()} fits in a long.
 */
public record TensorInfo(String name, DType dtype, long[] shape) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
        }
        Math.multiplyExact(numelOf(shape), (long) dtype.bytes());
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the dimensions (1 for a scalar {@code []}). */
    public long numel() {
        return numelOf(shape);
    }

    /** {@code numel() * dtype().bytes()}. */
    public long byteSize() {
        return numel() * dtype.bytes();
    }

    /** The same name and shape with another dtype. */
    public TensorInfo withDtype(DType d) {
        return new TensorInfo(name, d, shape);
    }

    /** True if the shapes are equal, ignoring name and dtype. */
    public boolean sameShape(long[] other) {
        return Arrays.equals(shape, other);
    }

    /** Product of dims; throws ArithmeticException on overflow. */
    static long numelOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
