package dev.switchover.servlet;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts off the connection of a request whose response is committed, where the container lets a
 * filter do it: the servlet API can end a response only cleanly, which would pass a half-written
 * event stream off as complete. Jetty 12 (ee10) closes an HTTP/1 request's connection and fails an
 * HTTP/2 request's core callback; Undertow closes the request's connection. Reached by reflection, so that the filter needs neither container to run in
 * the other, or in a third (where this answers false).
 */
final class ConnectionAbort {
  private static final Logger log = LoggerFactory.getLogger(ConnectionAbort.class);
  private static final String JETTY_PACKAGE = "org.eclipse.jetty.ee10.";
  private static final String JETTY_REQUEST = "org.eclipse.jetty.ee10.servlet.ServletContextRequest";
  private static final String JETTY_END_POINT = "org.eclipse.jetty.io.EndPoint";
  private static final String JETTY_CALLBACK = "org.eclipse.jetty.util.Callback";
  private static final String UNDERTOW_REQUEST = "io.undertow.servlet.spec.HttpServletRequestImpl";

  private ConnectionAbort() {}

  /** Aborts the request's connection; false if the container is not one this knows, or it failed. */
  static boolean abort(ServletRequest request) {
    ServletRequest r = request;
    while (r instanceof ServletRequestWrapper w) {
      r = w.getRequest();
    }
    try {
      String type = r.getClass().getName();
      if (type.equals(UNDERTOW_REQUEST)) {
        Object exchange = r.getClass().getMethod("getExchange").invoke(r);
        Object connection = exchange.getClass().getMethod("getConnection").invoke(exchange);
        if (connection instanceof Closeable c) {
          c.close();
          return true;
        }
      } else if (type.startsWith(JETTY_PACKAGE)) {
        Class<?> jetty = Class.forName(JETTY_REQUEST, false, r.getClass().getClassLoader());
        Object contextRequest = jetty.getMethod("getServletContextRequest", ServletRequest.class).invoke(null, r);
        Object channel = jetty.getMethod("getServletChannel").invoke(contextRequest);
        IOException cause = new IOException("the event stream was cut off");
        if (r.getProtocol().startsWith("HTTP/1")) {
          // The connection is the exchange's own: closing it is the abort, at once.
          Object endPoint = channel.getClass().getMethod("getEndPoint").invoke(channel);
          Class.forName(JETTY_END_POINT, false, endPoint.getClass().getClassLoader())
              .getMethod("close", Throwable.class)
              .invoke(endPoint, cause);
        } else {
          // A stream among others on its connection: failing the core request's callback resets it.
          // The callback's class is Jetty's own, not public: its method is reached through the interface.
          Object callback = channel.getClass().getMethod("getCallback").invoke(channel);
          Class.forName(JETTY_CALLBACK, false, callback.getClass().getClassLoader())
              .getMethod("failed", Throwable.class)
              .invoke(callback, cause);
        }
        return true;
      }
      return false;
    } catch (ReflectiveOperationException | IOException | RuntimeException | LinkageError e) {
      Throwable cause = e instanceof InvocationTargetException i && i.getCause() != null ? i.getCause() : e;
      log.debug("aborting the connection of {} failed", r, cause);
      return false;
    }
  }
}
