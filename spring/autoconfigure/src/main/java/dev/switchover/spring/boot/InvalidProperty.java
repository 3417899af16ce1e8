package dev.switchover.spring.boot;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Builds the exception that fails startup for a property whose value breaks a rule. Spring Boot's
 * failure analysis prints it as the property, its value, where it was set and why it was refused.
 */
final class InvalidProperty {
  private InvalidProperty() {}

  /** {@code switchover.<path>} with {@code value} was refused because of {@code reason}. */
  static InvalidConfigurationPropertyValueException of(String path, @Nullable Object value, String reason) {
    return new InvalidConfigurationPropertyValueException(SwitchoverProperties.PREFIX + "." + path, value, reason);
  }

  /** A map entry's property: {@code switchover.<map>[<key>]<rest>}, brackets keeping dots in keys. */
  static String key(String map, String key, String rest) {
    return map + "[" + key + "]" + rest;
  }
}
