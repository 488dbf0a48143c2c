package dev.kvlab.cache;

/**
 * The service a strategy jar provides, found with {@link java.util.ServiceLoader}: put the jar in the directory named
 * by {@code KVLAB_PLUGINS} and list the implementing class (public, with a public no-argument constructor) in
 * {@code META-INF/services/dev.kvlab.cache.StrategyPlugin}. See docs/WRITE_A_STRATEGY.md.
 */
public interface StrategyPlugin {
    /** The strategy this plugin adds. */
    StrategyDescription describe();
}
