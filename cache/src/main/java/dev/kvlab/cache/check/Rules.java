package dev.kvlab.cache.check;

import dev.kvlab.cache.MemoryStats;
import java.util.Objects;

/** Checks that throw a {@link RuleViolation} naming the rule: the conformance suites' assertions, without JUnit. */
public final class Rules {
    private Rules() {
    }

    /** {@code rule} holds when {@code ok}. */
    public static void check(boolean ok, String rule, Object seen) {
        if (!ok) {
            throw new RuleViolation(rule, String.valueOf(seen));
        }
    }

    /** {@code rule} holds when {@code actual} equals {@code expected}. */
    public static void same(Object expected, Object actual, String rule) {
        if (!Objects.equals(expected, actual)) {
            throw new RuleViolation(rule, "expected " + expected + ", got " + actual);
        }
    }

    /** The strategy's own invariants ({@code checkInvariants}) hold; their message becomes the violation's. */
    public static void invariants(dev.kvlab.cache.KvCache cache) {
        try {
            cache.checkInvariants();
        } catch (IllegalStateException e) {
            throw new RuleViolation("the strategy's own invariants hold after every operation", e.getMessage());
        }
    }

    /** live &lt;= reserved &lt;= capacity, peak &gt;= reserved, blocks used &lt;= total, waste% consistent. */
    public static void memoryConsistent(MemoryStats m) {
        check(m.liveTokens() >= 0 && m.liveTokens() <= m.reservedTokens(), "memory: 0 <= live <= reserved", m);
        check(m.reservedTokens() <= m.capacityTokens(), "memory: reserved <= capacity", m);
        check(m.peakReservedTokens() >= m.reservedTokens(), "memory: peak >= reserved", m);
        check(m.blocksUsed() <= m.blocksTotal(), "memory: blocksUsed <= blocksTotal", m);
        check(m.liveBytes() >= 0 && m.liveBytes() <= m.reservedBytes(), "memory: 0 <= live bytes <= reserved bytes", m);
        check(m.reservedBytes() <= m.capacityBytes(), "memory: reserved bytes <= capacity bytes", m);
        check(m.peakReservedBytes() >= m.reservedBytes(), "memory: peak bytes >= reserved bytes", m);
        check((m.liveTokens() == 0) == (m.liveBytes() == 0), "memory: live tokens iff live bytes", m);
        double waste = m.reservedBytes() == 0 ? 0 : 100.0 * (m.reservedBytes() - m.liveBytes()) / m.reservedBytes();
        check(Math.abs(waste - m.wastePercent()) < 1e-9, "memory: waste% = (reserved - live) / reserved bytes", m);
        check(m.wastePercent() >= 0 && m.wastePercent() <= 100, "memory: waste% in [0, 100]", m);
        same(m.capacityTokens() - m.reservedTokens(), m.freeTokens(), "memory: free = capacity - reserved");
    }
}
