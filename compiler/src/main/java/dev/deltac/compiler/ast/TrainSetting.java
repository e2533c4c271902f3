package dev.deltac.compiler.ast;

import dev.deltac.compiler.diag.SourceSpan;

/**
 * One line of a {@code train} block: {@code optimizer sgd(lr = 0.5)}, {@code batch 4},
 * {@code clip_norm 1.0}. The value is a call (with named arguments) or a literal.
 */
public record TrainSetting(Ident key, Expr value, SourceSpan span) {}
