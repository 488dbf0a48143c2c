package dev.kvlab.cache;

import java.util.List;

/** The answer to {@link KvCache#allocate}: room was granted, or there is none (a value, never an exception or -1). */
public sealed interface Allocation permits Allocation.Granted, Allocation.NoRoom {

    /**
     * Room for the chunk. The runtime performs {@code copies}, then writes chunk token {@code writeChunkIndex[i]}
     * to pool slot {@code writeSlots[i]}, then attends as {@code view} says.
     *
     * @param writeSlots      pool slot for each stored token of the chunk
     * @param writeChunkIndex index within the chunk of each stored token (tokens a ring would overwrite at once are not stored)
     * @param view            what this chunk's queries attend to
     * @param copies          block copies to do before writing (copy-on-write of shared blocks); usually empty
     * @param stats           statistics the runtime computes in this step and hands to {@link KvCache#observe}
     *                        after it; only with an {@link AttentionView.Held} view, whose per-layer entries carry
     *                        their own writes (writeSlots and writeChunkIndex are then empty)
     */
    record Granted(int[] writeSlots, int[] writeChunkIndex, AttentionView view, List<SlotCopy> copies,
                   StatsRequest stats) implements Allocation {
        public Granted {
            if (writeSlots.length != writeChunkIndex.length) {
                throw new IllegalArgumentException("writeSlots and writeChunkIndex differ in length");
            }
            boolean held = view instanceof AttentionView.Held;
            if (stats == null || (stats.wantsAny() && !held)) {
                throw new IllegalArgumentException("statistics go with a Held view only: " + stats + ", " + view);
            }
            if (held && writeSlots.length != 0) {
                throw new IllegalArgumentException("a Held view carries its writes per layer: writeSlots must be empty");
            }
            copies = List.copyOf(copies);
        }

        /** A grant that asks for no statistics. */
        public Granted(int[] writeSlots, int[] writeChunkIndex, AttentionView view, List<SlotCopy> copies) {
            this(writeSlots, writeChunkIndex, view, copies, StatsRequest.NONE);
        }
    }

    /**
     * No room: the cache is unchanged.
     *
     * @param neededTokens token slots the request needed
     * @param freeTokens   token slots free now
     * @param reason       a sentence for people (logs, errors)
     */
    record NoRoom(int neededTokens, int freeTokens, String reason) implements Allocation {
    }

    /** Copy {@code numSlots} consecutive pool slots from {@code fromSlot} to {@code toSlot}. */
    record SlotCopy(int fromSlot, int toSlot, int numSlots) {
    }
}
