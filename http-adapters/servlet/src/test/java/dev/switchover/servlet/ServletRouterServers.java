package dev.switchover.servlet;

import dev.switchover.WorkspaceId;
import dev.switchover.testkit.RouterServerSpec;
import dev.switchover.testkit.Transport;
import dev.switchover.testkit.WorkspaceApp;
import dev.switchover.testkit.WorkspaceTarget;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What both containers deploy for a spec: a {@link SwitchoverFilter} on {@code /*} and one named
 * servlet per in-process workspace; the default servlet is the unknown-host app, if any, or a
 * servlet that answers 404.
 */
final class ServletRouterServers {
  private ServletRouterServers() {}

  /** A deployment: the filter, the named servlets, and the default servlet. */
  record Deployment(
      SwitchoverFilter filter,
      Map<String, Servlet> namedServlets,
      Servlet defaultServlet,
      boolean ambiguousSeparators,
      Transport transport) {}

  /** The deployment for {@code spec}. */
  static Deployment deployment(RouterServerSpec spec) {
    SwitchoverFilter.Builder builder =
        SwitchoverFilter.builder(spec.router())
            .retryAfter(spec.retryAfter())
            .upstreamTimeout(spec.upstreamTimeout())
            .decodeEncodedSeparators(spec.decodeEncodedSeparators());
    spec.previewTokens().ifPresent(builder::previewTokens);
    spec.canaryKey().ifPresent(builder::canaryKey);
    spec.upstreamTls().ifPresent(builder::upstreamTls);
    Map<String, Servlet> servlets = new LinkedHashMap<>();
    for (Map.Entry<WorkspaceId, WorkspaceTarget> e : spec.targets().entrySet()) {
      WorkspaceTarget target = e.getValue();
      if (target instanceof WorkspaceTarget.InProcess inProcess) {
        String name = "workspace-" + e.getKey().name();
        servlets.put(name, new WorkspaceAppServlet(inProcess.app()));
        builder.servlet(e.getKey(), name);
      } else if (target instanceof WorkspaceTarget.Upstream upstream) {
        builder.upstream(e.getKey(), upstream.baseUris());
      }
    }
    Servlet fallback;
    if (spec.unknownHostApp().isPresent()) {
      WorkspaceApp app = spec.unknownHostApp().get();
      builder.unknownHostToChain();
      fallback = new WorkspaceAppServlet(app);
    } else {
      fallback = new NotFound();
    }
    return new Deployment(
        builder.build(), servlets, fallback, spec.decodeEncodedSeparators(), spec.transport());
  }

  private static final class NotFound extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.sendError(404);
    }
  }
}
