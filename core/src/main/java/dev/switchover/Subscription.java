package dev.switchover;

/**
 * A registration that can be cancelled: a table listener, or a watch on a store. Closing twice is
 * harmless.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  /** Stops the notifications. Never throws. */
  @Override
  void close();
}
