package dev.deltac.compiler.check;

import java.util.Map;

/**
 * A model's checked {@code train { ... }} block; every field is null when not given.
 * {@code optimizerArgs} and {@code scheduleArgs} hold every parameter, defaults filled in
 * (numbers as {@code Double}, flags as {@code Boolean}).
 */
public record TrainSpec(String optimizer, Map<String, Object> optimizerArgs, Integer batch,
    Integer epochs, Double clipNorm, Double clipValue, Long seed, String schedule,
    Map<String, Object> scheduleArgs) {}
