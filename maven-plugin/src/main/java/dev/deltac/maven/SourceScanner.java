package dev.deltac.maven;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the files under a folder that match Ant-style include patterns and no exclude pattern
 * ({@code **}/ any folders, {@code *} any name part, {@code ?} one character), as Maven's own
 * plugins do; patterns are relative to the folder, with {@code /} separators.
 */
final class SourceScanner {
  private final List<Pattern> includes;
  private final List<Pattern> excludes;

  SourceScanner(Collection<String> includes, Collection<String> excludes) {
    this.includes = includes.stream().map(SourceScanner::compile).toList();
    this.excludes = excludes.stream().map(SourceScanner::compile).toList();
  }

  /** Matching regular files under {@code root}, sorted; none when the folder does not exist. */
  List<Path> scan(Path root) throws IOException {
    if (!Files.isDirectory(root)) return List.of();
    List<Path> out = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root)) {
      all.filter(Files::isRegularFile).sorted().forEach(p -> {
        if (matches(root.relativize(p).toString().replace('\\', '/'))) out.add(p);
      });
    }
    return out;
  }

  boolean matches(String relative) {
    return includes.stream().anyMatch(p -> p.matcher(relative).matches())
        && excludes.stream().noneMatch(p -> p.matcher(relative).matches());
  }

  /** Ant pattern to regex; a trailing {@code /} means everything below, as in Ant. */
  static Pattern compile(String pattern) {
    String p = pattern.trim().replace('\\', '/');
    if (p.endsWith("/")) p += "**";
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '*' && i + 1 < p.length() && p.charAt(i + 1) == '*') {
        boolean slash = i + 2 < p.length() && p.charAt(i + 2) == '/';
        re.append(slash ? "(?:.*/)?" : ".*");
        i += slash ? 2 : 1;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
