package dev.switchover.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** A property that breaks a rule fails startup with a message naming it and what was expected. */
final class InvalidPropertiesTest {
  private final WebApplicationContextRunner web =
      ServletsContext.shopRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  SwitchoverAutoConfiguration.class,
                  SwitchoverServletAutoConfiguration.class,
                  SwitchoverMetricsAutoConfiguration.class))
          .withPropertyValues(Shop.PROPERTIES);

  private void failsNaming(String property, String expected, String... properties) {
    web.withPropertyValues(properties).run(context -> StartupFailures.assertNames(context, property, expected));
  }

  @Test
  void routeToAnUndeclaredWorkspace() {
    failsNaming("switchover.routes[2].workspace", "no workspace \"purple\" under switchover.workspaces",
        "switchover.routes[2].host=shop.localhost", "switchover.routes[2].path=/purple", "switchover.routes[2].workspace=purple");
  }

  @Test
  void routeWithoutAHost() {
    failsNaming("switchover.routes[2].host", "every route needs a host", "switchover.routes[2].workspace=blue");
  }

  @Test
  void routeWithABadPath() {
    failsNaming("switchover.routes[2]", "shop.localhost", "switchover.routes[2].host=shop.localhost",
        "switchover.routes[2].path=no-slash", "switchover.routes[2].workspace=blue");
  }

  @Test
  void routeOnADomainThatIsNotVerified() {
    failsNaming("switchover.routes", "pending.localhost", "switchover.domains.pending.localhost=pending",
        "switchover.routes[2].host=pending.localhost", "switchover.routes[2].workspace=blue");
  }

  @Test
  void badDomainName() {
    failsNaming("switchover.domains[bad_host.localhost]", "bad_host", "switchover.domains[bad_host.localhost]=verified");
  }

  @Test
  void unknownDomainStatus() {
    failsNaming("switchover.domains", "DomainStatus", "switchover.domains.other.localhost=maybe");
  }

  @Test
  void badWorkspaceName() {
    failsNaming("switchover.workspaces[-blue]", "-blue", "switchover.workspaces[-blue].servlet=x");
  }

  @Test
  void servletTheApplicationDoesNotRegister() {
    failsNaming("switchover.workspaces[green].servlet", "registers no servlet named \"shop-v2\"", "switchover.workspaces.green.servlet=shop-v2");
  }

  @Test
  void workspaceBoundTwice() {
    failsNaming("switchover.workspaces[green]", "not both", "switchover.workspaces.green.upstream=http://127.0.0.1:9");
  }

  @Test
  void upstreamThatIsNotHttp() {
    failsNaming("switchover.workspaces[red].upstream", "ftp", "switchover.workspaces.red.upstream=ftp://127.0.0.1:21");
  }

  @Test
  void tooFewUpstreamThreads() {
    failsNaming("switchover.filter.upstream-threads", "at least 4", "switchover.filter.upstream-threads=2");
  }

  @Test
  void canaryKeyOfAnotherSpelling() {
    failsNaming("switchover.filter.canary-key", "cookie, cookie:<name>, header:<name> or client-address", "switchover.filter.canary-key=session");
  }

  @Test
  void noUrlPatterns() {
    failsNaming("switchover.filter.url-patterns", "at least one URL pattern", "switchover.filter.url-patterns=");
  }

  @Test
  void unknownHostAnswerOutOfItsValues() {
    failsNaming("switchover.filter.unknown-host", "UnknownHost", "switchover.filter.unknown-host=404");
  }

  @Test
  void badAdminPath() {
    failsNaming("switchover.admin.path", "starting with /", "switchover.admin.path=/", "switchover.admin.tokens.alice.secret=" + Shop.OPERATOR_SECRET);
  }

  @Test
  void shortTokenSecret_isRefusedWithoutEchoingIt() {
    web.withPropertyValues("switchover.admin.tokens.alice.role=operator", "switchover.admin.tokens.alice.secret=hunter2hunter2")
        .run(
            context -> {
              StartupFailures.assertNames(context, "switchover.admin.tokens[alice].secret", "at least 24 characters");
              for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain("hunter2");
              }
            });
  }

  @Test
  void tokenWithoutASecret() {
    failsNaming("switchover.admin.tokens[alice].secret", "needs a secret", "switchover.admin.tokens.alice.role=operator");
  }

  @Test
  void misspeltProperty() {
    failsNaming("switchover.filtr.order", "switchover.filtr.order", "switchover.filtr.order=1");
  }

  @Test
  void historySizeBelowOne() {
    failsNaming("switchover.history-size", "at least 1", "switchover.history-size=0");
  }

  @Test
  void negativeDrainTimeout() {
    failsNaming("switchover.shutdown.drain-timeout", "positive duration", "switchover.shutdown.drain-timeout=-1s");
  }

  @Test
  void badPreviewSuffix() {
    failsNaming("switchover.preview-suffix", "*.localhost", "switchover.preview-suffix=*.localhost");
  }

  @Test
  void previewHostOutsideTheSuffix() {
    failsNaming("switchover.previews[blue.localhost]", "blue.localhost", "switchover.previews.blue.localhost=blue");
  }
}
