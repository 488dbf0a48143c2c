package dev.kvlab.bench;

import java.util.List;
import java.util.Map;

/**
 * Everything a bench invocation measured, as rows ready to write.
 *
 * @param env         the environment of the invocation (each row carries its own copy)
 * @param command     the command line that produced it
 * @param runs        one row per sweep point ({@link ResultRow})
 * @param requests    one row per request of every run
 * @param kvGrowth    rows of {@link KvGrowth}
 * @param longGen     rows of {@link LongGen}
 * @param ringQuality rows of {@link RingQuality}
 */
public record Results(BenchEnv env, String command, List<Map<String, Object>> runs,
                      List<Map<String, Object>> requests, List<Map<String, Object>> kvGrowth,
                      List<Map<String, Object>> longGen, List<Map<String, Object>> ringQuality) {
}
