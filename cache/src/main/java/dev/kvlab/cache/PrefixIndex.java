package dev.kvlab.cache;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Content-keyed index of full blocks for prefix sharing (vLLM prefix caching). A block's {@link Key} is the chain
 * (key of the block before it, exact token ids of this block), so two blocks match only when every token from
 * position 0 to the end of the block is equal. Keys compare their contents: a hash collision can never alias two
 * different prefixes.
 *
 * <p>A registered block stays findable while it is referenced and after it is freed, until the pool hands it out
 * again ({@link #forget}, LRU eviction by {@link BlockPool}'s free queue).
 *
 * <p>Invariants: {@code blockOf} and {@code keyOf} are inverse maps (key -&gt; block and block -&gt; key agree).
 */
final class PrefixIndex {

    /**
     * The content key of one full block: parent key (null for block 0) plus this block's token ids, shape [blockSize].
     * Immutable; equality walks the chain comparing tokens.
     */
    static final class Key {
        private final Key parent;
        private final int[] tokens;
        private final int hash;

        Key(Key parent, int[] tokens) {
            this.parent = parent;
            this.tokens = tokens.clone();
            this.hash = 31 * (parent == null ? 0 : parent.hash) + Arrays.hashCode(tokens);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key other)) {
                return false;
            }
            Key a = this;
            Key b = other;
            while (a != b) {
                if (a == null || b == null || a.hash != b.hash || !Arrays.equals(a.tokens, b.tokens)) {
                    return false;
                }
                a = a.parent;
                b = b.parent;
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final Map<Key, Integer> blockOf = new HashMap<>();
    /** keyOf[b]: the key block b is registered under, or null; shape [numBlocks]. */
    private final Key[] keyOf;

    PrefixIndex(int numBlocks) {
        this.keyOf = new Key[numBlocks];
    }

    /** The key of the full block {@code tokenIds[from, from + blockSize)} following {@code parent}. */
    static Key keyOf(Key parent, int[] tokenIds, int from, int blockSize) {
        return new Key(parent, Arrays.copyOfRange(tokenIds, from, from + blockSize));
    }

    /** The block cached under {@code key}, if any. */
    Optional<Integer> find(Key key) {
        return Optional.ofNullable(blockOf.get(key));
    }

    /** Registers {@code block} under {@code key} unless the key or the block is registered already (first wins). */
    void register(Key key, int block) {
        if (keyOf[block] == null && !blockOf.containsKey(key)) {
            blockOf.put(key, block);
            keyOf[block] = key;
        }
    }

    /** The block is about to hold other tokens: it is no longer findable. */
    void forget(int block) {
        Key key = keyOf[block];
        if (key != null) {
            blockOf.remove(key);
            keyOf[block] = null;
        }
    }

    boolean isRegistered(int block) {
        return keyOf[block] != null;
    }

    int size() {
        return blockOf.size();
    }

    void clear() {
        blockOf.clear();
        Arrays.fill(keyOf, null);
    }

    void checkInvariants() {
        int registered = 0;
        for (int b = 0; b < keyOf.length; b++) {
            if (keyOf[b] != null) {
                registered++;
                Integer back = blockOf.get(keyOf[b]);
                if (back == null || back != b) {
                    throw new IllegalStateException("keyOf and blockOf agree: block " + b + " maps back to " + back);
                }
            }
        }
        if (registered != blockOf.size()) {
            throw new IllegalStateException("keyOf and blockOf agree: " + registered + " != " + blockOf.size());
        }
    }
}
