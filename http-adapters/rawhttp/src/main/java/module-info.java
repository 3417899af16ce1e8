/**
 * A raw HTTP/1.1 client on a loopback socket ({@code RawConnection}): requests go out exactly as
 * given, responses are read whole. The adapter testkit, the examples and the HTTP benchmark share
 * it. Not published.
 */
module dev.switchover.rawhttp {
  requires transitive org.jspecify;

  exports dev.switchover.rawhttp;
}
