package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;

/**
 * One dimension literal of a declaration such as {@code param W[4, 2]}. Held as a {@code long}
 * so that absurd sizes reach the checker and are rejected with a message instead of overflowing.
 */
public record Dim(long value, SourceSpan span) {}
