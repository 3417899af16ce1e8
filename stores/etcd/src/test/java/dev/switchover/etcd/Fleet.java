package dev.switchover.etcd;

import static org.junit.jupiter.api.Assertions.fail;

import dev.switchover.DomainStatus;
import dev.switchover.Router;
import dev.switchover.RoutingTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Stores and routers for tests, on one etcd and one fresh key prefix; closed together. */
final class Fleet implements AutoCloseable {
  final String[] endpoints;
  final String prefix = "/test/" + UUID.randomUUID() + "/";
  private final List<AutoCloseable> open = new ArrayList<>();

  Fleet(String... endpoints) {
    this.endpoints = endpoints;
  }

  /** A shop on blue, a staging host on green, and {@code extra} more domains on blue. */
  static RoutingTable shop(int extra) {
    RoutingTable.Builder b =
        RoutingTable.builder()
            .workspace("blue")
            .workspace("green")
            .domain("shop.example.com", DomainStatus.VERIFIED)
            .route("shop.example.com", "/", "blue")
            .route("shop.example.com", "/api", "blue")
            .domain("staging.example.com", DomainStatus.VERIFIED)
            .route("staging.example.com", "/", "green")
            .route("staging.example.com", "/api", "green");
    for (int i = 0; i < extra; i++) {
      b.domain("d" + i + ".example.com", DomainStatus.VERIFIED).route("d" + i + ".example.com", "/", "blue");
    }
    return b.build();
  }

  EtcdTableStore.Builder storeBuilder() {
    return EtcdTableStore.builder().endpoints(endpoints).keyPrefix(prefix).writeTimeout(Duration.ofSeconds(3));
  }

  EtcdTableStore store(RoutingTable initial) {
    return keep(storeBuilder().initialTable(initial).build());
  }

  Router router(RoutingTable initial) {
    return router(store(initial));
  }

  Router router(EtcdTableStore store) {
    return keep(Router.builder().store(store).build());
  }

  <T extends AutoCloseable> T keep(T closeable) {
    open.add(closeable);
    return closeable;
  }

  @Override
  public void close() {
    // routers first (added after their stores), then the stores
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        throw new IllegalStateException("could not close " + open.get(i), e);
      }
    }
  }

  /** Waits up to 20 s for {@code condition}, then fails with {@code what}. */
  static void await(BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within 20 s: " + what.get());
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what.get());
      }
    }
  }

  static String workspaceOf(Router r, String host) {
    return r.resolve(host, "/").workspace().name();
  }
}
