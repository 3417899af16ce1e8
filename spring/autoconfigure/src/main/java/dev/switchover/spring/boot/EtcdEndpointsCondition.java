package dev.switchover.spring.boot;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;

/**
 * Matches when {@code switchover.store.etcd.endpoints} names at least one endpoint, written as a
 * list or separated by commas ({@code @ConditionalOnProperty} sees only the second form).
 */
final class EtcdEndpointsCondition extends SpringBootCondition {
  static final String PROPERTY = SwitchoverProperties.PREFIX + ".store.etcd.endpoints";

  static final String STORE_CLASS = "dev.switchover.etcd.EtcdTableStore";

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    return isSet(Binder.get(context.getEnvironment()))
        ? ConditionOutcome.match(PROPERTY + " is set")
        : ConditionOutcome.noMatch(PROPERTY + " is not set");
  }

  /** Whether the etcd store is chosen: its endpoints set and its module on the class path. */
  static boolean etcdChosen(ConditionContext context) {
    return isSet(Binder.get(context.getEnvironment()))
        && ClassUtils.isPresent(STORE_CLASS, context.getClassLoader());
  }

  static boolean isSet(Binder binder) {
    return binder.bind(PROPERTY, Bindable.listOf(String.class)).map(l -> !l.isEmpty()).orElse(false);
  }
}
