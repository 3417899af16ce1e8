package dev.switchover.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableSortedMap;
import dev.switchover.HostName;
import dev.switchover.verification.TrackedDomain;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** The in-memory {@link VerificationStore}: a concurrent map, replaced entry by entry. */
final class InMemoryVerificationStore implements VerificationStore {
  private final ConcurrentHashMap<HostName, TrackedDomain> tracked = new ConcurrentHashMap<>();

  @Override
  public Optional<TrackedDomain> load(HostName domain) {
    return Optional.ofNullable(tracked.get(checkNotNull(domain, "domain")));
  }

  @Override
  public Map<HostName, TrackedDomain> loadAll() {
    return ImmutableSortedMap.copyOf(tracked);
  }

  @Override
  public boolean compareAndSet(HostName domain, @Nullable TrackedDomain expected, @Nullable TrackedDomain next) {
    checkNotNull(domain, "domain");
    checkArgument(
        next == null || next.domain().equals(domain),
        "the next state is about %s, not %s",
        next == null ? null : next.domain(),
        domain);
    boolean[] replaced = {false};
    tracked.compute(
        domain,
        (d, now) -> {
          if (!Objects.equals(now, expected)) {
            return now;
          }
          replaced[0] = true;
          return next;
        });
    return replaced[0];
  }

  @Override
  public String toString() {
    return "VerificationStore.inMemory{" + tracked.size() + " domains}";
  }
}
