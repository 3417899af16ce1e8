package dev.switchover.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when at least one admin token is configured: an admin servlet in a host container
 * answers only callers with a token, so without one there is nothing to serve.
 */
final class AdminTokensCondition extends SpringBootCondition {
  static final String PROPERTY = SwitchoverProperties.PREFIX + ".admin.tokens";

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    boolean set =
        Binder.get(context.getEnvironment())
            .bind(PROPERTY, Bindable.mapOf(String.class, SwitchoverProperties.Token.class))
            .map(m -> !m.isEmpty())
            .orElse(false);
    return set
        ? ConditionOutcome.match(PROPERTY + " names at least one token")
        : ConditionOutcome.noMatch(PROPERTY + " names no token");
  }
}
