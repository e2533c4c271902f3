package dev.deltac.compiler.diag;

/**
 * Every diagnostic the front end can report, with a stable number and a message template
 * ({@link String#format} syntax). Numbers never change meaning; new kinds get new numbers.
 * 1xx: lexical and syntax; 2xx: names; 3xx: shapes; 4xx: statements and structure;
 * 5xx: calls and builtins; 6xx: sizes and limits; 7xx: train blocks; 8xx: warnings (likely
 * mistakes in a valid model); 9xx: internal.
 */
public enum DiagnosticKind {
  UNEXPECTED_CHARACTER(101, "unexpected character `%s`"),
  SYNTAX(102, "%s"),
  NESTING_TOO_DEEP(103, "%s"),
  IO(104, "cannot read file: %s"),
  CONST_LIST_NEEDS_SHAPE(105, "a const list needs a shape: `const %s[%d] = [...]`"),
  POSITIONAL_AFTER_NAMED(106, "positional argument after named argument `%s`"),
  NOT_CALLABLE(107, "%s"),

  UNDEFINED_NAME(201, "undefined name `%s`%s"),
  DUPLICATE_NAME(202, "`%s` is already defined at line %d%s"),
  USED_BEFORE_DEFINITION(203, "`%s` is used before its definition at line %d"),
  BAD_MEMBER(204, "%s"),
  BAD_DECL_NAME(205, "%s"),
  DUPLICATE_DECL(206, "%s `%s` is already declared at line %d"),
  BAD_OUTPUT(207, "%s"),
  STATE_OUTSIDE_FOR(208, "state `%s` can be assigned only inside `for`"),
  NOT_ASSIGNABLE(209, "%s"),

  SHAPE(301, "%s"),
  LOSS_NOT_SCALAR(302, "the loss must be a scalar, but this expression has shape %s"),
  RETURN_NOT_SCALAR(303, "a function must return a scalar, but this expression has shape %s"),
  MISPLACED_COMPARISON(304, "a comparison makes a mask, usable only as the condition of `where` or `if`"),
  MISPLACED_BOOL(305, "`%s` is usable only as an `if` condition or a flag argument"),
  CONDITION_NOT_SCALAR(306, "the condition of `if` must be a scalar, but it has shape %s"),
  STATE_SHAPE(307, "%s"),
  INTEGER_VALUE(308, "%s"),

  NO_DECLS(401, "the file declares no `model` or `function`"),
  MISPLACED_STATEMENT(402, "%s"),
  MISSING(403, "%s"),
  LOOP_BOUNDS(404, "%s"),
  INDEX(405, "%s"),
  LOSS_ASSIGNMENT(406, "%s"),
  RETURN_PLACEMENT(407, "%s"),
  CONST_VALUE(408, "%s"),

  UNKNOWN_FUNCTION(501, "unknown function `%s`%s"),
  UNKNOWN_INITIALIZER(502, "unknown initializer `%s`%s"),
  UNKNOWN_NAMED_ARG(503, "`%s` has no parameter `%s`%s"),
  ARITY(504, "%s"),
  BAD_ARGUMENT(505, "%s"),
  LAYER_PLACEMENT(506, "%s"),
  UNKNOWN_ACTIVATION(507, "unknown activation `%s`%s"),

  BAD_DIMENSION(601, "%s"),
  TOO_LARGE(602, "%s"),
  BAD_NUMBER(603, "%s"),

  TRAIN_KEY(701, "unknown train setting `%s`%s"),
  TRAIN_VALUE(702, "%s"),
  TRAIN_DUPLICATE(703, "train setting `%s` is already given at line %d"),

  DOUBLE_ACTIVATION(801, "%s", Severity.WARNING),
  PARAM_NOT_IN_LOSS(802, "param `%s` does not affect the loss: it gets no gradient and never trains", Severity.WARNING),
  UNUSED_INPUT(803, "input `%s` is used by neither the outputs nor the loss", Severity.WARNING),

  INTERNAL(901, "internal compiler error: %s");

  public final int number;
  public final String template;
  public final Severity severity;

  DiagnosticKind(int number, String template) {
    this(number, template, Severity.ERROR);
  }

  DiagnosticKind(int number, String template, Severity severity) {
    this.number = number;
    this.template = template;
    this.severity = severity;
  }

  /** The stable code, e.g. {@code E201}. */
  public String code() {
    return (severity == Severity.ERROR ? "E" : "W") + number;
  }

  public String format(Object... args) {
    return String.format(template, args);
  }
}
