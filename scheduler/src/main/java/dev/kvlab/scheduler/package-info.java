/**
 * Continuous batching of prefill and decode across requests, in plain Java over the {@link dev.kvlab.cache.KvCache}
 * seam: {@link dev.kvlab.scheduler.Scheduler} plans each step as a {@link dev.kvlab.scheduler.StepPlan} of
 * {@link dev.kvlab.scheduler.ScheduledChunk}s under a token budget and free cache memory, and
 * {@link dev.kvlab.scheduler.Scheduler#update} closes the loop with the model's
 * {@link dev.kvlab.scheduler.StepResult}. No tensors, no natives.
 */
package dev.kvlab.scheduler;
