package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The jar carries the metadata IDEs complete {@code switchover.*} from, and registers its auto-configurations. */
final class ConfigurationMetadataTest {
  @Test
  void metadata_describesTheProperties_withDefaultsAndHints() throws IOException {
    String json = resource("META-INF/spring-configuration-metadata.json");
    assertThat(json)
        .contains("\"name\": \"switchover.workspaces\"")
        .contains("\"name\": \"switchover.store.etcd.endpoints\"")
        .contains("\"name\": \"switchover.filter.unknown-host\"")
        .contains("\"name\": \"switchover.domains.values\"")
        .contains("\"defaultValue\": -2147483548");
  }

  @Test
  void autoConfigurations_areRegistered() throws IOException {
    assertThat(resource("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports").lines())
        .containsExactly(
            SwitchoverAutoConfiguration.class.getName(),
            SwitchoverServletAutoConfiguration.class.getName(),
            SwitchoverMetricsAutoConfiguration.class.getName());
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ConfigurationMetadataTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
