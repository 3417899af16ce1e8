package dev.switchover.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches unless the etcd store is chosen; the in-memory store's condition. */
final class InMemoryStoreCondition extends SpringBootCondition {
  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    return EtcdEndpointsCondition.etcdChosen(context)
        ? ConditionOutcome.noMatch("the etcd store is configured")
        : ConditionOutcome.match("the etcd store is not configured");
  }
}
