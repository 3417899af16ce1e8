/**
 * Switchover admin: a JSON admin API over the router, with revision-guarded writes, bearer tokens
 * with roles and an audit trail, and the Domains page; as a Jakarta servlet or on its own listener.
 */
module dev.switchover.admin {
  requires transitive dev.switchover.core;
  requires transitive jakarta.servlet;
  requires com.fasterxml.jackson.databind;
  requires com.google.common;
  requires org.eclipse.jetty.server;
  requires org.eclipse.jetty.ee10.servlet;
  requires org.eclipse.jetty.util;
  requires org.eclipse.jetty.http;
  requires org.slf4j;

  exports dev.switchover.admin;
}
