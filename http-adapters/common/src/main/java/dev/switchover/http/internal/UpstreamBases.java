package dev.switchover.http.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** A workspace's upstream base URIs, taken in turn. Thread-safe. */
public final class UpstreamBases {
  /** What an adapter that reaches upstreams with TLS too accepts. */
  public static final Set<String> HTTP_AND_HTTPS = Set.of("http", "https");

  /** What an adapter that reaches upstreams over HTTP/1.1 and HTTP/2, with and without TLS, accepts. */
  public static final Set<String> HTTP_1_AND_2 = Set.of("http", "https", UpstreamBase.H2C, UpstreamBase.H2);

  private final List<UpstreamBase> bases;
  private final AtomicInteger turn = new AtomicInteger();

  private UpstreamBases(List<UpstreamBase> bases) {
    this.bases = bases;
  }

  /**
   * Checks each base URI.
   *
   * @throws IllegalArgumentException if the list is empty, or a URI is not a valid base (see
   *     {@link UpstreamBase#of})
   * @throws NullPointerException if the list or a URI is null
   */
  public static UpstreamBases of(List<URI> uris, Set<String> schemes) {
    if (uris.isEmpty()) {
      throw new IllegalArgumentException("an upstream binding needs at least one base URI");
    }
    List<UpstreamBase> bases = new ArrayList<>(uris.size());
    for (URI uri : uris) {
      if (uri == null) {
        throw new NullPointerException("base URI");
      }
      bases.add(UpstreamBase.of(uri, schemes));
    }
    return new UpstreamBases(List.copyOf(bases));
  }

  /** The bases, in order. */
  public List<UpstreamBase> all() {
    return bases;
  }

  /** The base the next request goes to. */
  public UpstreamBase next() {
    return bases.size() == 1 ? bases.get(0) : bases.get(Math.floorMod(turn.getAndIncrement(), bases.size()));
  }

  @Override
  public String toString() {
    return "upstream " + bases;
  }
}
