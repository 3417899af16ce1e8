/**
 * What the Switchover HTTP adapters do alike, written once: the request-target policy (which
 * paths and hosts are refused, and the canonical path a request is routed on), the answers for
 * each outcome of a resolution, upstream base URIs, and the forwarding headers. Exported only to
 * the adapters: it is not an API, and may change with them.
 */
@SuppressWarnings("module") // the adapters it exports to are built after it
module dev.switchover.http {
  requires transitive dev.switchover.core;

  exports dev.switchover.http.internal to
      dev.switchover.jetty,
      dev.switchover.undertow,
      dev.switchover.servlet;
}
