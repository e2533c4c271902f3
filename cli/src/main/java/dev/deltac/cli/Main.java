package dev.deltac.cli;

/** Entry point of the {@code deltac} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code, without exiting the JVM. */
  public static int run(String... args) {
    System.err.println("deltac: no commands yet");
    return 2;
  }
}
