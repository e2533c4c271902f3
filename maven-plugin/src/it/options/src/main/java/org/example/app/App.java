package org.example.app;

import org.example.nets.Other;
import org.example.nets.Xor;
import org.example.nets.Xor64;

/** Uses both precisions, so javac checks the generated classes together. */
public final class App {
  public static int params() {
    return new Xor(1).params().length + new Xor64(1).params().length + Other.PARAM_COUNT;
  }
}
