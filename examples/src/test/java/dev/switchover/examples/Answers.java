package dev.switchover.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The answers an example printed through {@code ExampleRun.expect}: "host path status workspace". */
final class Answers {
  private static final Pattern ANSWER =
      Pattern.compile("(\\S+) +GET (\\S+) +-> (\\d+) from (\\S+)");

  private Answers() {}

  static List<String> of(String text) {
    List<String> answers = new ArrayList<>();
    Matcher m = ANSWER.matcher(text);
    while (m.find()) {
      answers.add(m.group(1) + " " + m.group(2) + " " + m.group(3) + " " + m.group(4));
    }
    return answers;
  }
}
