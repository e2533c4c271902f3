package dev.deltac.cli;

import dev.deltac.runtime.Memory;
import dev.deltac.runtime.MemoryLimitException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code deltac} command; each subcommand is its own class. */
@Command(name = "deltac", mixinStandardHelpOptions = true, version = "deltac 0.1.0",
    description = "Compiles .nn network definitions into specialized Java backprop code.",
    subcommands = {TrainCommand.class, PredictCommand.class, CompileCommand.class, CheckCommand.class, GraphCommand.class,
        GradientsCommand.class, ExportCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    FilteredStderr.install();
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code, without exiting the JVM. */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Like {@link #run(String...)}, writing to the given streams (for tests). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(Main::internalError);
    int code;
    try {
      code = cl.execute(args);
    } catch (OutOfMemoryError e) {
      // a bound the memory checks did not foresee: one line, not a stack trace
      err.println("deltac: out of memory (" + e.getMessage() + ") with a maximum heap of "
          + Memory.size(Runtime.getRuntime().maxMemory()) + "; raise it (java -Xmx; for"
          + " ./deltac: DELTAC_JAVA_OPTS=-Xmx8g) or lower the batch size");
      code = 1;
    }
    out.flush();
    err.flush();
    return code;
  }

  /**
   * A failure no command anticipated is a bug in deltac, not in the user's input: one line that
   * says so, and the stack trace only when {@code DELTAC_DEBUG=1}.
   */
  private static int internalError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    if (e instanceof MemoryLimitException) {
      // not a bug: the model or the batch does not fit in the heap, and the message says why
      err.println("deltac " + cl.getCommandName() + ": " + e.getMessage());
      err.flush();
      return 1;
    }
    err.println("deltac " + cl.getCommandName() + ": internal error: " + e
        + " (please report it; DELTAC_DEBUG=1 shows where)");
    if ("1".equals(System.getenv("DELTAC_DEBUG"))) e.printStackTrace(err);
    err.flush();
    return 3;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }
}
