/**
 * Service-provider interfaces: where the router keeps its table ({@link
 * dev.switchover.spi.TableStore}), where a verification schedule keeps the domains it tracks
 * ({@link dev.switchover.spi.VerificationStore}), and how a domain verifier looks up TXT records ({@link
 * dev.switchover.spi.TxtLookup}).
 */
@NullMarked
package dev.switchover.spi;

import org.jspecify.annotations.NullMarked;
