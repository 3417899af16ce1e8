package dev.switchover.admin;

import com.google.common.collect.ImmutableList;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who changed what through the admin API: the most recent writes, kept for the history the API
 * serves, and each logged once at INFO on {@code dev.switchover.audit} (a refused write at WARN).
 */
final class AuditLog {
  /** The logger an operator routes to an audit file. */
  static final Logger AUDIT = LoggerFactory.getLogger("dev.switchover.audit");

  /** One write: who, when, what, and the revisions before and after. */
  record Entry(String actor, Instant at, String action, long revisionBefore, long revisionAfter) {}

  private final int capacity;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();

  AuditLog(int capacity) {
    this.capacity = capacity;
  }

  void published(Entry entry) {
    synchronized (entries) {
      entries.addFirst(entry);
      while (entries.size() > capacity) {
        entries.removeLast();
      }
    }
    AUDIT.info(
        "{} by {}: revision {} -> {}", entry.action(), entry.actor(), entry.revisionBefore(), entry.revisionAfter());
  }

  void refused(String actor, String action, long currentRevision, String why) {
    AUDIT.warn("refused {} by {} at revision {}: {}", action, actor, currentRevision, why);
  }

  /** The write that made {@code revision}, if this log still holds it. */
  @Nullable Entry madeRevision(long revision) {
    synchronized (entries) {
      for (Entry e : entries) {
        // A write that changed nothing (a check that found the status unchanged) made no revision.
        if (e.revisionAfter() == revision && e.revisionBefore() != revision) {
          return e;
        }
      }
      return null;
    }
  }

  /** The writes held, newest first. */
  List<Entry> entries() {
    synchronized (entries) {
      return ImmutableList.copyOf(entries);
    }
  }
}
