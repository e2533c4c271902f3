package dev.deltac.compiler.load;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tiny class-file reader: each method's bytecode length and which array-allocating opcodes it
 * uses. The Maven plugin's build gate uses it to refuse methods above HotSpot's huge-method limit
 * ({@link #HUGE_METHOD_LIMIT}), which the JIT never compiles; the emitter's tests use it to check
 * sizes and that steps do not allocate.
 */
public final class MethodSizes {
  /**
   * HotSpot's {@code -XX:HugeMethodLimit}: methods with more bytecode bytes than this are never
   * JIT-compiled (unless {@code -XX:-DontCompileHugeMethods}); they run interpreted.
   */
  public static final int HUGE_METHOD_LIMIT = 8000;

  /**
   * Per method: its name, descriptor, code length in bytes and the number of
   * newarray/anewarray/multianewarray instructions.
   */
  public record MethodCode(String name, String descriptor, int length, int arrayAllocations) {}

  private MethodSizes() {}

  /** Every method with a {@code Code} attribute, keyed by name + descriptor, in class-file order. */
  public static Map<String, MethodCode> methods(byte[] classFile) {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
      if (in.readInt() != 0xCAFEBABE) throw new IllegalArgumentException("not a class file");
      in.readUnsignedShort();
      in.readUnsignedShort();
      int cpCount = in.readUnsignedShort();
      String[] utf8 = new String[cpCount];
      for (int i = 1; i < cpCount; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1: utf8[i] = in.readUTF(); break;
          case 3: case 4: in.readInt(); break;
          case 5: case 6: in.readLong(); i++; break;
          case 7: case 8: case 16: case 19: case 20: in.readUnsignedShort(); break;
          case 9: case 10: case 11: case 12: case 17: case 18: in.readInt(); break;
          case 15: in.readUnsignedByte(); in.readUnsignedShort(); break;
          default: throw new IllegalArgumentException("constant pool tag " + tag);
        }
      }
      in.readUnsignedShort();
      in.readUnsignedShort();
      in.readUnsignedShort();
      int interfaces = in.readUnsignedShort();
      for (int i = 0; i < interfaces; i++) in.readUnsignedShort();
      int fields = in.readUnsignedShort();
      for (int i = 0; i < fields; i++) {
        in.readUnsignedShort();
        in.readUnsignedShort();
        in.readUnsignedShort();
        skipAttributes(in);
      }
      Map<String, MethodCode> out = new LinkedHashMap<>();
      int methods = in.readUnsignedShort();
      for (int i = 0; i < methods; i++) {
        in.readUnsignedShort();
        String name = utf8[in.readUnsignedShort()];
        String desc = utf8[in.readUnsignedShort()];
        int attrs = in.readUnsignedShort();
        for (int a = 0; a < attrs; a++) {
          String an = utf8[in.readUnsignedShort()];
          int len = in.readInt();
          byte[] body = in.readNBytes(len);
          if (an.equals("Code")) {
            DataInputStream c = new DataInputStream(new ByteArrayInputStream(body));
            c.readUnsignedShort();
            c.readUnsignedShort();
            int codeLength = c.readInt();
            byte[] code = c.readNBytes(codeLength);
            out.put(name + desc, new MethodCode(name, desc, codeLength, arrayAllocations(code)));
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int n = in.readUnsignedShort();
    for (int i = 0; i < n; i++) {
      in.readUnsignedShort();
      in.skipBytes(in.readInt());
    }
  }

  private static int u4(byte[] c, int p) {
    return ((c[p] & 0xff) << 24) | ((c[p + 1] & 0xff) << 16) | ((c[p + 2] & 0xff) << 8) | (c[p + 3] & 0xff);
  }

  /** Walks the instructions and counts newarray (0xbc), anewarray (0xbd), multianewarray (0xc5). */
  public static int arrayAllocations(byte[] code) {
    int count = 0;
    int pc = 0;
    while (pc < code.length) {
      int op = code[pc] & 0xff;
      if (op == 0xbc || op == 0xbd || op == 0xc5) count++;
      pc += length(code, pc, op);
    }
    return count;
  }

  private static int length(byte[] code, int pc, int op) {
    switch (op) {
      case 0x10: case 0x12: case 0x15: case 0x16: case 0x17: case 0x18: case 0x19:
      case 0x36: case 0x37: case 0x38: case 0x39: case 0x3a: case 0xa9: case 0xbc:
        return 2;
      case 0x11: case 0x13: case 0x14: case 0x84: case 0xbb: case 0xbd: case 0xc0: case 0xc1:
      case 0xc6: case 0xc7:
        return 3;
      case 0xc5:
        return 4;
      case 0xb9: case 0xba: case 0xc8: case 0xc9:
        return 5;
      case 0xc4:
        return (code[pc + 1] & 0xff) == 0x84 ? 6 : 4;
      case 0xaa: {
        int p = (pc + 4) & ~3;
        int low = u4(code, p + 4);
        int high = u4(code, p + 8);
        return p - pc + 12 + (high - low + 1) * 4;
      }
      case 0xab: {
        int p = (pc + 4) & ~3;
        int n = u4(code, p + 4);
        return p - pc + 8 + n * 8;
      }
      default:
        if (op >= 0x99 && op <= 0xa8) return 3;
        if (op >= 0xb2 && op <= 0xb8) return 3;
        return 1;
    }
  }
}
