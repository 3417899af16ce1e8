/**
 * Domain verification: proof that the owner of a domain controls it before the domain may carry
 * routes. A {@link dev.switchover.verification.DomainVerifier} issues a {@link
 * dev.switchover.verification.Challenge} and checks it (a DNS TXT record, or an HTTP token) into a
 * {@link dev.switchover.verification.Verification}; a {@link
 * dev.switchover.verification.VerificationSchedule} applies results to a {@link
 * dev.switchover.Router}, re-checks them before they expire and expires those that fail.
 */
@NullMarked
package dev.switchover.verification;

import org.jspecify.annotations.NullMarked;
