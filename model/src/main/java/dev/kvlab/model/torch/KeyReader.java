package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;

/** Reads the keys or values one chunk attends to in one layer. Built once per step from the chunk's view. */
@FunctionalInterface
interface KeyReader {
    /**
     * @param pool  layer's pool tensor {@code [slots, heads, headDim]} (K or V), or null without a pool
     * @param fresh this step's new K or V rows {@code [T, heads, headDim]}
     * @param gather the pool's gather buffer for this kind (K or V), {@code [rows, heads, headDim]}
     * @return {@code [keys, heads, headDim]}
     */
    Tensor read(Tensor pool, Tensor fresh, Tensor gather);
}
