package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.context.ApplicationContext;

/** Checks that a context failed to start with a message naming the property at fault. */
final class StartupFailures {
  private StartupFailures() {}

  /** The context failed; some exception in the failure's causes names {@code property} and says {@code expected}. */
  static void assertNames(ApplicationContextAssertProvider<? extends ApplicationContext> context, String property, String expected) {
    assertThat(context).hasFailed();
    Throwable failure = context.getStartupFailure();
    List<String> messages = new ArrayList<>();
    boolean named = false;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.add(t.getClass().getSimpleName() + ": " + t.getMessage());
      if (t instanceof InvalidConfigurationPropertyValueException invalid) {
        assertThat(invalid.getName()).as("the property named").isEqualTo(property);
        assertThat(invalid.getMessage()).contains(expected);
        return;
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains(property) && m.contains(expected)) {
        named = true;
      }
    }
    assertThat(named).as("a cause names %s and says %s; causes: %s", property, expected, messages).isTrue();
  }
}
