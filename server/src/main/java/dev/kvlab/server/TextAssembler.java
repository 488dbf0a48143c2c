package dev.kvlab.server;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The text of one choice as its tokens arrive: decodes incrementally, holds back a trailing partial UTF-8 character
 * (the decoder shows it as U+FFFD) and any tail that could be the start of a stop string, and cuts the text before the
 * first stop string once {@code minTokens} tokens came out (vLLM's rule: stop strings are checked only from then on,
 * in the text the newest token added). Text handed out is never taken back.
 *
 * <p>Invariants: {@code emitted <= stable.length()}; {@code stable} is the decode of tokens {@code [0, stableIds)}.
 */
final class TextAssembler {
    private static final char REPLACEMENT = '\uFFFD';

    private final Function<int[], String> decoder;
    private final List<String> stops;
    private final int minTokens;
    private final int longestStop;
    private int[] ids = new int[16];
    private int numIds;
    private final StringBuilder stable = new StringBuilder();
    private int stableIds;
    private int emitted;
    private boolean stopped;

    TextAssembler(Function<int[], String> decoder, List<String> stops, int minTokens) {
        this.decoder = decoder;
        this.stops = List.copyOf(stops);
        this.minTokens = minTokens;
        this.longestStop = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Adds a token; returns the text that became final (possibly empty). Nothing more after a stop string. */
    String add(int token) {
        if (stopped) {
            return "";
        }
        if (numIds == ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
        ids[numIds++] = token;
        int before = stable.length();
        String tail = decoder.apply(Arrays.copyOfRange(ids, stableIds, numIds));
        if (!tail.isEmpty() && tail.charAt(tail.length() - 1) == REPLACEMENT) {
            return "";   // a character is still incomplete: wait for its next bytes
        }
        stable.append(tail);
        stableIds = numIds;
        if (!stops.isEmpty() && numIds >= minTokens) {
            int cut = firstStop(Math.max(0, before - longestStop + 1));
            if (cut >= 0) {
                stopped = true;
                stable.setLength(Math.max(cut, emitted));   // text already handed out stays
                return take(stable.length());
            }
        }
        return take(stable.length() - holdBack());
    }

    /** The rest of the text at the end of the choice (incomplete characters decoded as they are). */
    String finish() {
        if (!stopped && stableIds < numIds) {
            stable.append(decoder.apply(Arrays.copyOfRange(ids, stableIds, numIds)));
            stableIds = numIds;
        }
        return take(stable.length());
    }

    /** Whether a stop string ended the text. */
    boolean stopped() {
        return stopped;
    }

    /** The text handed out so far. */
    String text() {
        return stable.substring(0, emitted);
    }

    int numTokens() {
        return numIds;
    }

    private String take(int end) {
        if (end <= emitted) {
            return "";
        }
        String s = stable.substring(emitted, end);
        emitted = end;
        return s;
    }

    /** Start of the earliest stop string at or after {@code from}, or -1. */
    private int firstStop(int from) {
        int best = -1;
        for (String s : stops) {
            int at = stable.indexOf(s, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** Length of the longest tail of the text that is a proper prefix of some stop string. */
    private int holdBack() {
        int hold = 0;
        int len = stable.length();
        String tail = stable.substring(Math.max(0, len - longestStop));
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, tail.length()); k > hold; k--) {
                if (tail.regionMatches(tail.length() - k, s, 0, k)) {
                    hold = k;
                    break;
                }
            }
        }
        return Math.min(hold, len - emitted);
    }
}
