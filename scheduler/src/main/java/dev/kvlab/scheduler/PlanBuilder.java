package dev.kvlab.scheduler;

import dev.kvlab.cache.Allocation;
import java.util.ArrayList;
import java.util.List;

/** The plan of one step while {@link Scheduler#schedule()} builds it: chunks, their requests, the token budget left. */
final class PlanBuilder {
    int budget;
    final List<ScheduledChunk> chunks = new ArrayList<>();
    /** The request of each chunk, same order. */
    final List<Request> requests = new ArrayList<>();
    final List<RequestId> preempted = new ArrayList<>();

    PlanBuilder(int budget) {
        this.budget = budget;
    }

    /** Adds the chunk of {@code request} ending at {@code tokenIds.length}, and spends its tokens. */
    void add(Request request, int[] tokenIds, int numNewTokens, Allocation.Granted granted) {
        boolean samples = tokenIds.length == request.numTokens();
        List<ScheduledChunk.Fork> forks = new ArrayList<>();
        if (samples) {
            for (Request child : request.pendingForks()) {
                forks.add(new ScheduledChunk.Fork(child.id(), child.attachment()));
            }
        }
        chunks.add(new ScheduledChunk(request.id(), request.seq(), tokenIds, numNewTokens, granted, samples,
                request.attachment(), forks));
        requests.add(request);
        budget -= numNewTokens;
    }
}
