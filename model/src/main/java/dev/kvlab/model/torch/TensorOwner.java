package dev.kvlab.model.torch;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Owns long-lived tensors (weights, KV pools) for exactly one AutoCloseable. {@link #keep} takes a reference, so a
 * tensor created inside some caller's PointerScope survives that scope; {@link #close} drops the references and
 * frees the storage. Invariant: every kept tensor is released exactly once.
 */
public final class TensorOwner implements AutoCloseable {
    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    /** Takes ownership of {@code t} and returns it. */
    public Tensor keep(Tensor t) {
        if (closed) {
            throw new IllegalStateException("owner already closed");
        }
        t.retainReference();
        owned.add(t);
        return t;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).releaseReference();
        }
        owned.clear();
    }
}
