package dev.switchover.jetty;

import dev.switchover.Admission;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The callback a workspace's handler completes: it completes Jetty's callback, then closes the
 * request's admission, whether the response succeeded or failed, on whatever thread completes
 * it. Jetty completes a callback once; the admission tolerates more.
 */
final class AdmissionCallback implements Callback {
  private final Callback delegate;
  private final Admission admission;

  AdmissionCallback(Callback delegate, Admission admission) {
    this.delegate = delegate;
    this.admission = admission;
  }

  @Override
  public void succeeded() {
    try {
      delegate.succeeded();
    } finally {
      admission.close();
    }
  }

  @Override
  public void failed(Throwable failure) {
    try {
      delegate.failed(failure);
    } finally {
      admission.close();
    }
  }

  /** The admission this callback closes. */
  Admission admission() {
    return admission;
  }

  @Override
  public Invocable.InvocationType getInvocationType() {
    return delegate.getInvocationType();
  }

  @Override
  public String toString() {
    return "AdmissionCallback{" + admission + "}";
  }
}
