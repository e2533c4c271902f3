package dev.deltac.spark;

import java.io.Serializable;

/** One training sample: the model's packed inputs and targets. */
public record Sample(float[] input, float[] target) implements Serializable {}
