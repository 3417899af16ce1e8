package dev.switchover.testkit;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.List;

/**
 * What a workspace is bound to in a {@link RouterServerSpec}: an app the adapter serves in
 * process (through its own handler type), or upstream servers it proxies to.
 */
public sealed interface WorkspaceTarget {
  /** The workspace runs in the router's own server: bridge {@link #app()} into a handler. */
  record InProcess(WorkspaceApp app) implements WorkspaceTarget {
    public InProcess {
      requireNonNull(app, "app");
    }
  }

  /** The workspace runs behind these base URIs: proxy to them. */
  record Upstream(List<URI> baseUris) implements WorkspaceTarget {
    public Upstream {
      baseUris = List.copyOf(baseUris);
      if (baseUris.isEmpty()) {
        throw new IllegalArgumentException("an upstream target needs at least one base URI");
      }
    }
  }
}
