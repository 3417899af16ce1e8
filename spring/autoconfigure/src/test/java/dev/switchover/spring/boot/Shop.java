package dev.switchover.spring.boot;

/** The properties of a two-version shop, shared by the tests. */
final class Shop {
  static final String DOMAIN = "shop.localhost";
  static final String GREEN_PREVIEW = "green.preview.localhost";
  static final String OPERATOR_SECRET = "operator-secret-0123456789abcdef";
  static final String READER_SECRET = "reader-secret-0123456789abcdefgh";

  /** blue (v1) on shop.localhost's /, green (v2) on its /api and on green's preview host. */
  static final String[] PROPERTIES = {
    "switchover.workspaces.blue.servlet=blue-app",
    "switchover.workspaces.green.servlet=green-app",
    "switchover.domains.shop.localhost=verified",
    "switchover.routes[0].host=shop.localhost",
    "switchover.routes[0].workspace=blue",
    "switchover.routes[1].host=shop.localhost",
    "switchover.routes[1].path=/api",
    "switchover.routes[1].workspace=green",
    "switchover.preview-suffix=preview.localhost",
    "switchover.previews.green.preview.localhost=green",
  };

  /** An operator and a read-only token for the admin servlet. */
  static final String[] ADMIN_TOKENS = {
    "switchover.admin.tokens.alice.role=operator",
    "switchover.admin.tokens.alice.secret=" + OPERATOR_SECRET,
    "switchover.admin.tokens.dashboard.secret=" + READER_SECRET,
  };

  private Shop() {}
}
