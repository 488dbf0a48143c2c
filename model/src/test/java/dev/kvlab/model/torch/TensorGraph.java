package dev.kvlab.model.torch;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;

/**
 * Every {@link Tensor} reachable from an object through its fields (private ones, records, lambdas' captured
 * values included), arrays, iterables and map values: what an object holds, found without asking it. Stops at
 * other JavaCPP pointers and at JDK classes (whose collections it iterates instead of reflecting into).
 */
final class TensorGraph {
    private TensorGraph() {
    }

    static List<Tensor> tensors(Object root) {
        List<Tensor> out = new ArrayList<>();
        walk(root, new IdentityHashMap<>(), out);
        return out;
    }

    private static void walk(Object o, Map<Object, Boolean> seen, List<Tensor> out) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Tensor t) {
            out.add(t);
            return;
        }
        if (o instanceof Pointer || o instanceof CharSequence || o instanceof Number || o instanceof Enum<?>) {
            return;
        }
        Class<?> c = o.getClass();
        if (c.isArray()) {
            if (!c.getComponentType().isPrimitive()) {
                for (int i = 0; i < Array.getLength(o); i++) {
                    walk(Array.get(o, i), seen, out);
                }
            }
            return;
        }
        if (o instanceof Iterable<?> it) {
            it.forEach(x -> walk(x, seen, out));
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.values().forEach(x -> walk(x, seen, out));
            return;
        }
        if (c.getName().startsWith("java.")) {
            return;
        }
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    walk(f.get(o), seen, out);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot read " + k.getName() + "." + f.getName(), e);
                }
            }
        }
    }
}
