package dev.kvlab.model.torch;

import org.bytedeco.pytorch.Tensor;

/**
 * How one chunk attends in every layer of a step; built once per step.
 *
 * @param row     first row of the chunk in the step's concatenated tokens
 * @param numRows tokens of the chunk (n)
 * @param reader  where its keys and values come from
 * @param mask    {@code [n, keys]} bool (true = attend), or null when {@code causal} or no mask is needed
 * @param causal  whether plain causal masking applies (queries and keys are the same positions)
 */
record ChunkPlan(int row, int numRows, KeyReader reader, Tensor mask, boolean causal) {
}
