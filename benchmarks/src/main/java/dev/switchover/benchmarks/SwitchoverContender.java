package dev.switchover.benchmarks;

import dev.switchover.Resolution;
import dev.switchover.Router;
import org.jspecify.annotations.Nullable;

/** Switchover's public hot path: {@link Router#resolve} on the router's current table. */
final class SwitchoverContender implements Contender {
  private final Router router;

  SwitchoverContender(Workload workload) {
    this.router = Router.create(workload.table());
  }

  Router router() {
    return router;
  }

  @Override
  public @Nullable String find(String host, String path) {
    Resolution r = router.resolve(host, path);
    return r.isRouted() ? r.workspace().name() : null;
  }
}
