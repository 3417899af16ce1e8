package dev.switchover;

import static com.google.common.base.Preconditions.checkNotNull;

import java.time.Instant;

/**
 * What a valid preview token says: requests for {@code domain} that carry it are routed to {@code
 * workspace} until {@code expires}. Made by {@link PreviewTokens#verify}; minted as text by {@link
 * PreviewTokens#mint}.
 *
 * @param domain the production domain the token previews on
 * @param workspace the workspace its requests are routed to
 * @param expires when it stops being valid, to the second
 */
public record PreviewToken(HostName domain, WorkspaceId workspace, Instant expires) {
  /** Checks the values. */
  public PreviewToken {
    checkNotNull(domain, "domain");
    checkNotNull(workspace, "workspace");
    checkNotNull(expires, "expires");
  }
}
