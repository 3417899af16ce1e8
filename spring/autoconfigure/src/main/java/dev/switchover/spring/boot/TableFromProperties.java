package dev.switchover.spring.boot;

import dev.switchover.DomainStatus;
import dev.switchover.InvalidTableException;
import dev.switchover.RoutingTable;
import dev.switchover.WorkspaceId;
import java.util.List;
import java.util.Map;

/**
 * The routing table the properties describe: the first table of an in-memory store, or of an etcd
 * prefix that holds no state yet. Every refusal names the property it came from.
 */
final class TableFromProperties {
  private TableFromProperties() {}

  /**
   * Builds the table.
   *
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
   *     naming the first property that breaks a rule
   */
  static RoutingTable build(SwitchoverProperties p) {
    RoutingTable.Builder b = RoutingTable.builder();
    for (String name : p.getWorkspaces().keySet()) {
      try {
        b.workspace(WorkspaceId.of(name));
      } catch (IllegalArgumentException e) {
        throw InvalidProperty.of(InvalidProperty.key("workspaces", name, ""), name, e.getMessage() + "");
      }
    }
    String suffix = p.getPreviewSuffix();
    if (suffix != null) {
      try {
        b.previewSuffix(suffix);
      } catch (IllegalArgumentException e) {
        throw InvalidProperty.of("preview-suffix", suffix, e.getMessage() + "");
      }
    }
    for (Map.Entry<String, DomainStatus> d : p.getDomains().entrySet()) {
      try {
        b.domain(d.getKey(), d.getValue());
      } catch (IllegalArgumentException e) {
        throw InvalidProperty.of(InvalidProperty.key("domains", d.getKey(), ""), d.getValue(), e.getMessage() + "");
      }
    }
    List<SwitchoverProperties.Route> routes = p.getRoutes();
    for (int i = 0; i < routes.size(); i++) {
      SwitchoverProperties.Route r = routes.get(i);
      String at = "routes[" + i + "]";
      String host = r.getHost();
      String workspace = r.getWorkspace();
      if (host == null || host.isBlank()) {
        throw InvalidProperty.of(at + ".host", host, "every route needs a host");
      }
      if (workspace == null || workspace.isBlank()) {
        throw InvalidProperty.of(at + ".workspace", workspace, "every route needs a workspace");
      }
      checkDeclared(p, at + ".workspace", workspace);
      try {
        b.route(host, r.getPath(), workspace);
      } catch (IllegalArgumentException | IllegalStateException | InvalidTableException e) {
        throw InvalidProperty.of(at, "host " + host + ", path " + r.getPath() + ", workspace " + workspace, e.getMessage() + "");
      }
    }
    for (Map.Entry<String, String> preview : p.getPreviews().entrySet()) {
      String at = InvalidProperty.key("previews", preview.getKey(), "");
      checkDeclared(p, at, preview.getValue());
      try {
        b.previewHost(preview.getKey(), preview.getValue());
      } catch (IllegalArgumentException | IllegalStateException | InvalidTableException e) {
        throw InvalidProperty.of(at, preview.getValue(), e.getMessage() + "");
      }
    }
    try {
      return b.build();
    } catch (InvalidTableException e) {
      // What table validation refuses (a route on a domain that is not verified) concerns the routes.
      throw InvalidProperty.of("routes", null, e.getMessage() + "");
    }
  }

  private static void checkDeclared(SwitchoverProperties p, String property, String workspace) {
    if (!p.getWorkspaces().containsKey(workspace)) {
      throw InvalidProperty.of(
          property,
          workspace,
          "no workspace \"" + workspace + "\" under switchover.workspaces; declared: " + p.getWorkspaces().keySet());
    }
  }
}
